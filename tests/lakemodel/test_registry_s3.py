"""The registry on S3: a real S3 API (moto's server mode on a loopback port), through s3fs.

Full publish / list / promote / load round trip, tamper refusal, and the CLI training straight into
the bucket with the endpoint taken from LAKES_S3_ENDPOINT_URL.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import boto3
import numpy as np
import pytest
from moto.server import ThreadedMotoServer

from lakemodel import features as F
from lakemodel.registry import NotFoundError, TamperedArtifactError, open_registry, open_registry_from_settings
from lakemodel.settings import PROJECT_ROOT, load_settings
from lakemodel.train import train_model

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    client.create_bucket(Bucket="lake-models")
    yield url
    server.stop()


@pytest.fixture()
def s3_options(s3_endpoint, monkeypatch):
    for key, value in CREDENTIALS.items():  # boto's own credential chain; our code never reads them
        monkeypatch.setenv(key, value)
    return {"client_kwargs": {"endpoint_url": s3_endpoint}, "skip_instance_cache": True}


@pytest.fixture(scope="module")
def trained(settings, tables):
    return train_model(settings, "iceout_doy", tables)


def test_s3_round_trip(s3_options, trained, tables):
    registry = open_registry("s3://lake-models/round-trip", s3_options)
    assert registry.list_models() == []
    v1 = registry.publish("iceout_doy", trained.model, trained.manifest, promote=False)
    v2 = registry.publish("iceout_doy", trained.model, trained.manifest)
    # a second client (another process, in effect) sees what the first wrote
    other = open_registry("s3://lake-models/round-trip", s3_options)
    assert other.list_models() == ["iceout_doy"]
    assert other.list_versions("iceout_doy") == [v1, v2]
    assert other.production_version("iceout_doy") == v2
    other.promote("iceout_doy", v1)
    assert registry.production_version("iceout_doy") == v1
    loaded = registry.load("iceout_doy")
    assert loaded.version == v1
    rows = F.iceout_frame(tables, 1950).head(5)
    np.testing.assert_allclose(loaded.predict(rows).value, trained.model.predict(F.coerce_features(rows, loaded.features)))
    with pytest.raises(NotFoundError):
        registry.promote("iceout_doy", "20000101T000000000Z-00000000")


def test_s3_tampered_artifact_is_refused(s3_options, trained):
    registry = open_registry("s3://lake-models/tamper", s3_options)
    version = registry.publish("iceout_doy", trained.model, trained.manifest)
    path = f"{registry.root}/iceout_doy/{version}/model.skops"
    data = bytearray(registry.fs.cat_file(path))
    data[100] ^= 0xFF
    registry.fs.pipe_file(path, bytes(data))
    with pytest.raises(TamperedArtifactError):
        registry.load("iceout_doy", version)


def test_settings_and_cli_train_into_s3(s3_endpoint, s3_options, session_env, tables):
    """`lakemodel train` publishes to s3://, the endpoint coming from the environment."""
    env = {**os.environ, **session_env, **CREDENTIALS, "OMP_NUM_THREADS": "1",
           "LAKES_REGISTRY": "s3://lake-models/cli", "LAKES_S3_ENDPOINT_URL": s3_endpoint}
    run = subprocess.run([sys.executable, "-m", "lakemodel", "train", "--model", "iceout_doy"],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    settings = load_settings(env={k: env[k] for k in ("LAKES_DATA_DIR", "LAKES_REGISTRY", "LAKES_S3_ENDPOINT_URL")})
    assert settings.registry_storage_options == {"client_kwargs": {"endpoint_url": s3_endpoint}}
    registry = open_registry_from_settings(settings)
    version = registry.production_version("iceout_doy")
    assert version and version in run.stdout
    assert registry.load("iceout_doy").manifest["metrics"]["beats_baseline"] is True
    listed = subprocess.run([sys.executable, "-m", "lakemodel", "list", "--check-production"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 3  # the other two configured models are not in this bucket
    assert "no production version for: property_value, secchi_forecast" in listed.stderr
