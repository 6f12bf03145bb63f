resource "aws_db_instance" "shop" {
  engine   = "postgres"
  username = "shop"
  password = "4gMy9p7MCauDaBJx7g"
}
