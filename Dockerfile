# The app image for docker-compose.yml: the pinned requirements baked in (as `make` installs
# them), so that no two containers install anything when they start.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DATA_DIR=/data
# PortAudio, for sound card inputs (effects.audio_inputs); without it there are none.
RUN apt-get update && apt-get install -y --no-install-recommends libportaudio2 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-ui.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-ui.txt
COPY . .
RUN useradd --system --home-dir /app ledfxsite && mkdir -p /data && chown ledfxsite /data
USER ledfxsite
EXPOSE 8888
CMD ["daphne", "-b", "0.0.0.0", "-p", "8888", "ledfxsite.asgi:application"]
