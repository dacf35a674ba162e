# syntax=docker/dockerfile:1
# Build: the same release build CI runs (`cargo build --release --locked --bin ladder`).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY core ./core
COPY migrations ./migrations
RUN cargo build --release --locked --bin ladder

# Run: a small image with the binary, CA certificates (for GitHub and PostgreSQL over TLS), and a
# non-root user that owns only the data directory.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin ladder \
 && mkdir -p /data && chown ladder:ladder /data
COPY --from=build /src/target/release/ladder /usr/local/bin/ladder
USER 10001:10001
WORKDIR /data
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:///data/ladder.db \
    LOG_FORMAT=json
EXPOSE 3000
VOLUME ["/data"]
ENTRYPOINT ["ladder"]
CMD ["serve"]
