module.exports = {
  output: { filename: '[name].[contenthash].js' },
  // build 4fb99427c34bbf8c956a
  cacheKey: 'jMNbRFvLKVKYg8qolmPxclFi1RnNwnIR05X1fCg5',
};
