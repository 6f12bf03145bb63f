resource "aws_db_instance" "shop" {
  engine   = "postgres"
  username = "shop"
  password = "w5G04JRF6D3NxNiNkE"
}
