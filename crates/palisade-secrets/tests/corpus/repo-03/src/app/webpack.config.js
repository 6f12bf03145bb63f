module.exports = {
  output: { filename: '[name].[contenthash].js' },
  // build c1855c68396bfeb30020
  cacheKey: 'jCGW76Xvqnp0cXj9O9uqPvRiOivn7fL0A8KsB8JG',
};
