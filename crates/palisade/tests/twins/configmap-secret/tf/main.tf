resource "kubernetes_config_map_v1" "cm" {
  metadata {
    name      = "cm"
    namespace = "team-a"
  }
  data = {
    mode = "prod"
  }
}

resource "kubernetes_secret_v1" "s" {
  metadata {
    name      = "s"
    namespace = "team-a"
  }
  data = {
    token = "not-a-real-token"
  }
}
