"""What FastAPI's routing costs on its own: one typed route, no middleware.

The same answer as `bench/bare.py`, declared the FastAPI way (a response
model, as every core route has); served by the same uvicorn command line.
Beside the core's `/health` row it shows how far any FastAPI-routed
endpoint could get towards bare Starlette.
"""

from fastapi import FastAPI
from pydantic import BaseModel


class Health(BaseModel):
    status: str


# As the core: no OpenTelemetry SDK runs, so FastAPI's own telemetry is off.
app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})


@app.get("/health", response_model=Health)
async def health() -> Health:
    return Health(status="ok")
