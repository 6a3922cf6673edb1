"""The file API: FastAPI behind Mangum, invoked by the ALB for `/files/*`."""
