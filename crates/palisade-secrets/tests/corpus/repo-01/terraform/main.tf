resource "aws_db_instance" "shop" {
  engine   = "postgres"
  username = "shop"
  password = "U2qYGKOC786hQ1tEuO"
}
