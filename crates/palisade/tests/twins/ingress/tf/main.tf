resource "kubernetes_ingress_v1" "i" {
  metadata {
    name      = "i"
    namespace = "team-a"
  }
  spec {
    rule {
      host = "a.example.com"
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = "s"
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }
}
