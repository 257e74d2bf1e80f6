"""One router per area of the API; each route parses, calls a service and returns a response model."""
