import { Loader } from '@googlemaps/js-api-loader';
const loader = new Loader({ apiKey: 'AIzaVdDLDQGsTuiu35zfE_otOm79VGsPWlf8YAe', version: 'weekly' });
export default loader;
