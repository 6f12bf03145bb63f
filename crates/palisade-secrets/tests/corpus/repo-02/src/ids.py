REQUEST_ID = "bdd81a10-807d-b465-82eb-c4ec8d41788d"
COMMIT = "a0ea0514cc28cd04f644629ecff5b6d643c59cc9"
CHECKSUM = "sha256:e96989f6d7b3d7fe4843d22b3ff63d63a6c7e3677441809f5e09bc0a2a81da5e"
NONCE = "30ece1b142e9816a379056b85ac9bf91"
ETAG = "W/\"3dIjiBE6K_PFTaKdDfQAYQik6Zn\""
password = request.form['password']
token = get_token(session)
secret_name = "shop-db"
api_key = settings.API_KEY
if password == confirm_password:
    pass
