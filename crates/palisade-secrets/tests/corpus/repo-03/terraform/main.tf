resource "aws_db_instance" "shop" {
  engine   = "postgres"
  username = "shop"
  password = "vLRzkunJIP8ob0XO7g"
}
