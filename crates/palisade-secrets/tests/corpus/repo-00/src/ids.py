REQUEST_ID = "7267ae28-de62-da13-9712-66c497977cd1"
COMMIT = "1f0e3073cc2970c1370f6aabc682432171cedd7c"
CHECKSUM = "sha256:7d80d81001aa346c60bc6c1a69c67c2c0ac5316593b2136a501e3fe0ed41e846"
NONCE = "de70f66868b920e4527f8dd015bf1e5a"
ETAG = "W/\"6_MCaXpUOQuLgwKmJD0InTYQuER\""
password = request.form['password']
token = get_token(session)
secret_name = "shop-db"
api_key = settings.API_KEY
if password == confirm_password:
    pass
