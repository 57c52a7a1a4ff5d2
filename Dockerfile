# syntax=docker/dockerfile:1
# JES: one image per module (a gRPC service or the gateway), all built from this file.
# Build from the repository root; TARGET names the module (jes_platform's registry,
# `jes graph`), DEB_PACKAGES the pinned Debian packages its image adds
# (`jes graph --debian-packages=<module>`; only report-render adds any):
#   docker build --build-arg TARGET=identity -t <registry>/jes/identity:<version> .
#   docker build --build-arg TARGET=report-render \
#       --build-arg "DEB_PACKAGES=$(.venv/bin/jes graph --debian-packages=report-render)" \
#       -t <registry>/jes/report-render:<version> .
# The image runs `jes run` with JES_TARGET=$TARGET (for a service the same as
# `python -m jes_<service>`). Stages: probe (grpc_health_probe, Go) -> build (locked
# dependencies of the module's package, gRPC code generated from protos/) -> runtime
# (slim Python, uid 10001, no build tools). Base images are pinned by digest;
# `make k8s-validate` lints this file and checks DEB_PACKAGES against the registry.

ARG PYTHON_IMAGE=docker.io/library/python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1
ARG GO_IMAGE=docker.io/library/golang:1.24.4-bookworm@sha256:ee7ff13d239350cc9b962c1bf371a60f3c32ee00eaaf0d0f0489713a87e51a67

# ---- grpc_health_probe: the health check of a service image (Kubernetes uses native gRPC probes)
FROM ${GO_IMAGE} AS probe
ARG GRPC_HEALTH_PROBE_VERSION=v0.4.40
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath -ldflags="-s -w" \
        github.com/grpc-ecosystem/grpc-health-probe@${GRPC_HEALTH_PROBE_VERSION}

# ---- build: the virtual environment from uv.lock and the generated gRPC code
FROM ${PYTHON_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG TARGET
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN test -n "${TARGET}" || { echo "set --build-arg TARGET=<module> (jes graph lists them)" >&2; exit 1; }
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# third-party dependencies first, exactly as locked (this layer changes only with uv.lock)
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "jes-${TARGET}" --no-install-workspace
# the code generator, at the grpcio-tools version of uv.lock, outside the runtime environment
RUN --mount=type=cache,target=/root/.cache/uv \
    uv export --frozen --only-group dev --no-hashes --no-annotate --no-header \
        | grep -E '^(grpcio|grpcio-tools|protobuf|setuptools)==' > /tmp/gen-requirements.txt \
    && uv venv /opt/gen \
    && uv pip install --python /opt/gen/bin/python --no-deps -r /tmp/gen-requirements.txt
COPY protos/ protos/
COPY scripts/gen_protos.py scripts/
COPY libs/ libs/
COPY services/${TARGET}/ services/${TARGET}/
RUN /opt/gen/bin/python scripts/gen_protos.py
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "jes-${TARGET}"
# byte-code of the workspace sources too: the runtime file system is read-only
RUN /app/.venv/bin/python -m compileall -q libs "services/${TARGET}/src"

# ---- runtime
FROM ${PYTHON_IMAGE} AS runtime
ARG TARGET
# pinned for the base image, from the registry (empty for every module but report-render)
ARG DEB_PACKAGES=""
LABEL org.opencontainers.image.title="jes-${TARGET}" \
      org.opencontainers.image.description="JES ${TARGET} (jes run --target=${TARGET})" \
      org.opencontainers.image.vendor="JES"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# run-time Debian packages of the module (report-render: wkhtmltopdf and the CJK fonts)
RUN if [ -n "${DEB_PACKAGES}" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends ${DEB_PACKAGES} \
        && rm -rf /var/lib/apt/lists/* \
        && if command -v fc-cache > /dev/null; then fc-cache -f; fi; \
    fi
RUN groupadd --system --gid 10001 jes \
    && useradd --system --uid 10001 --gid jes --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin jes
COPY --from=probe /out/grpc-health-probe /usr/local/bin/grpc_health_probe
# editable installs: the environment refers to the sources at the same paths as in build
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/libs /app/libs
COPY --from=build /app/services/${TARGET} /app/services/${TARGET}
# A service listens on JES_GRPC_PORT and JES_METRICS_PORT, the gateway on JES_HTTP_PORT.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    JES_TARGET=${TARGET} \
    JES_BIND_HOST=0.0.0.0 \
    JES_GRPC_PORT=50051 \
    JES_METRICS_PORT=9090 \
    JES_HTTP_PORT=8080 \
    JES_DATA_DIR=/tmp/jes
WORKDIR /app
USER 10001:10001
EXPOSE 50051 9090 8080
# `jes health`: grpc_health_probe against JES_GRPC_PORT for a service, GET /healthz for the gateway
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["jes", "health"]
ENTRYPOINT ["jes", "run"]
