import { Loader } from '@googlemaps/js-api-loader';
const loader = new Loader({ apiKey: 'AIza6q0RIsj8CEbzPunKtm8XxbK58WiMlWg4iPk', version: 'weekly' });
export default loader;
