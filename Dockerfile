# The palisade container image: the release binary on a distroless base
# (glibc, CA certificates, a non-root user; no shell, no package manager).
#
#   docker build -t palisade .
#   docker run --rm -v "$PWD:/src:ro" palisade scan /src
#
# The release workflow builds it for linux/amd64 and linux/arm64 and scans
# the result with palisade itself (SBOM, minimal-image assessment, secrets,
# known vulnerabilities) before it is pushed.

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p palisade \
 && install -D -m 0755 target/release/palisade /out/palisade

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/palisade /palisade
USER nonroot:nonroot
WORKDIR /src
ENTRYPOINT ["/palisade"]
CMD ["--help"]
