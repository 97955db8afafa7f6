# A GPU worker: iwae-sweep with @tensorflow/tfjs-node-gpu on CUDA.
# Build from the repository root on a machine that can reach the npm registry and TensorFlow's
# binary host (the tfjs-node-gpu install script downloads libtensorflow 2.9):
#   docker build -f infra/worker-gpu.Dockerfile -t iwae-sweep-gpu .
# Run one container per GPU (or --concurrency N to share one GPU between small trials):
#   docker run --gpus '"device=0"' -e IWAE_SWEEP_REDIS_URL=redis://:PASSWORD@scheduler:6379 \
#     -v iwae-cuda-cache:/var/cache/cuda -v /shared/checkpoints:/var/lib/iwae-sweep/checkpoints \
#     iwae-sweep-gpu --backend tensorflow-gpu --gpu 0 --concurrency 4
# The image holds the worker alone (`iwae-sweep-worker`): no results DB, no SQLite to compile.
#
# tfjs-node-gpu 4.22 binds libtensorflow 2.9, which needs the CUDA 11.2 runtime and cuDNN 8.1
# (it loads libcudart.so.11.0) with any newer driver: hence this base image.
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates gnupg python3 make g++ git \
  && mkdir -p /etc/apt/keyrings \
  && curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg \
  && echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main" > /etc/apt/sources.list.d/nodesource.list \
  && apt-get update && apt-get install -y --no-install-recommends nodejs \
  && rm -rf /var/lib/apt/lists/* && npm install --global pnpm@12
WORKDIR /app
COPY . .
ENV npm_config_nodedir=/usr
# Installs the worker and what it imports, with the optional @tensorflow/tfjs-node-gpu (and -node)
# and their native libraries; the scheduler's packages (the DB, better-sqlite3) are left out.
RUN pnpm install --frozen-lockfile --filter '@iwae-sweep/worker...' \
  && node -e "require.resolve('@tensorflow/tfjs-node-gpu', { paths: ['packages/iwae'] })"
# libtensorflow 2.9 has no kernels for compute capability 9.0 (H100/H200): the driver JIT-compiles
# them from PTX on first use, which takes minutes. Keep that cache on a volume, warm it once.
ENV CUDA_CACHE_PATH=/var/cache/cuda CUDA_CACHE_MAXSIZE=4294967296 \
    IWAE_SWEEP_CHECKPOINTS=/var/lib/iwae-sweep/checkpoints
VOLUME ["/var/cache/cuda", "/var/lib/iwae-sweep"]
ENTRYPOINT ["node", "apps/worker/bin/iwae-sweep-worker.mjs"]
CMD ["--backend", "tensorflow-gpu"]
