resource "kubernetes_service_v1" "s" {
  metadata {
    name      = "s"
    namespace = "team-a"
  }
  spec {
    type = "NodePort"
    selector = {
      app = "w"
    }
    port {
      port        = 80
      target_port = 8080
      node_port   = 30080
    }
  }
}
