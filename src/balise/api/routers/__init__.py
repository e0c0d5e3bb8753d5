"""One module per area of the API; each exposes `router` (a FastAPI `APIRouter`), included by
`balise.api.app.create_app` in module-name order."""
