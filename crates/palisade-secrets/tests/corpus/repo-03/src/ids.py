REQUEST_ID = "1f0bfe25-f1d2-121a-fedb-6633a0bb5b97"
COMMIT = "2b868c05bb5003518c1f075d558097adc6a3d70d"
CHECKSUM = "sha256:e426297fc0fba25c49d3725a9cf0196771e899439bc417ea175c2cf33b012a71"
NONCE = "56f95ee1d3ab081b849f1cc2ca963864"
ETAG = "W/\"X90Z4dRrsW6nOxHTqoiWsssHO7v\""
password = request.form['password']
token = get_token(session)
secret_name = "shop-db"
api_key = settings.API_KEY
if password == confirm_password:
    pass
