# Build: the toolchain image compiles a static-enough binary (SQLite and libpq are bundled, TLS is
# rustls, so the runtime image needs no OpenSSL, libsqlite3 or libpq).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY benches ./benches
RUN cargo build --release --locked --bin kyoso

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/kyoso --create-home kyoso
COPY --from=build /src/target/release/kyoso /usr/local/bin/kyoso
USER kyoso
WORKDIR /var/lib/kyoso
ENV KYOSO_BIND=0.0.0.0:8080 \
    KYOSO__APP__DATA_DIR=/var/lib/kyoso
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["kyoso"]
CMD ["serve"]
