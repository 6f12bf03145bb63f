import { Loader } from '@googlemaps/js-api-loader';
const loader = new Loader({ apiKey: 'AIzaxNI8qJ_LBYr-8pLYeeVLSWdsbkx5q2nVfVT', version: 'weekly' });
export default loader;
