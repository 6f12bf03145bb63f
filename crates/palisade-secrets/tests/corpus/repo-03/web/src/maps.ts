import { Loader } from '@googlemaps/js-api-loader';
const loader = new Loader({ apiKey: 'AIzaDO9YxSV-W7nJfNTwo__R4vGoGzUXK0kzfRl', version: 'weekly' });
export default loader;
