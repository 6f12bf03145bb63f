resource "aws_db_instance" "shop" {
  engine   = "postgres"
  username = "shop"
  password = "sT4ueuvnxaZ3AMFY57"
}
