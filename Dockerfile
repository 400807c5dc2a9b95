# hues-server in a container. The build stage runs the project's own
# scripts/setup.sh, so its packages are exactly those the README's
# commands install (no Docker engine runs where hues is developed: the
# setup script is what the tests exercise; keep this file in step with it).
#
#   docker build -t hues .
#   docker run -p 7483:7483 -v hues-data:/var/lib/hues hues

# ---- build ---------------------------------------------------------------
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DHUES_BUILD_TESTS=OFF \
        -DHUES_WERROR=ON \
    && cmake --build /build -j"$(nproc)" \
    && cmake --install /build --prefix /opt/hues

# ---- runtime -------------------------------------------------------------
FROM debian:bookworm-slim
# Only the shared libraries the server and tools link (the -dev packages
# of scripts/setup.sh without their headers and tools).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libnng1 libmbedtls14 libmbedx509-1 libmbedcrypto7 \
        libprotobuf-c1 liblmdb0 libjwt0 libjansson4 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/hues --shell /usr/sbin/nologin hues \
    && mkdir -p /var/lib/hues && chown hues:hues /var/lib/hues
COPY --from=build /opt/hues/bin/ /usr/local/bin/
USER hues
VOLUME /var/lib/hues
EXPOSE 7483
ENV HUES_DATA_DIR=/var/lib/hues \
    HUES_LISTEN=tcp://0.0.0.0:7483
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["hues-health", "--url", "tcp://127.0.0.1:7483", "--timeout-ms", "2000"]
# SIGTERM drains calls in flight within the grace period, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["hues-server"]
