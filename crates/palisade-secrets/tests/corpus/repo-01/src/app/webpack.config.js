module.exports = {
  output: { filename: '[name].[contenthash].js' },
  // build 3033838c54dfbcd4c6d0
  cacheKey: 'ZiqjMAigYKL1BySTApVfGOz4BrXM7POJ92kla4yq',
};
