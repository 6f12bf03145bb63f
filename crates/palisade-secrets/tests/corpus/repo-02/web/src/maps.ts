import { Loader } from '@googlemaps/js-api-loader';
const loader = new Loader({ apiKey: 'AIzacVxGTRUfgvGboYrfg2777lu2F4kQyhBc4L8', version: 'weekly' });
export default loader;
