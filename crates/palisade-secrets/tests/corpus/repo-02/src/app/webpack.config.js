module.exports = {
  output: { filename: '[name].[contenthash].js' },
  // build 5622f9e5a979d79d546a
  cacheKey: '3xXqYhTeNgPiRvRaa5N0O4Rk0rLJDNXNXMoTXPX0',
};
