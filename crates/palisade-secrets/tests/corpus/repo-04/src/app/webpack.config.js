module.exports = {
  output: { filename: '[name].[contenthash].js' },
  // build 39196e44df2e631c3ce6
  cacheKey: 'f2sYF3RE7jGbbe8Qe1G73SikN4ojCIhOFCfPWT3i',
};
