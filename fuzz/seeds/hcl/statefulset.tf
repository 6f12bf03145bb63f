resource "kubernetes_stateful_set_v1" "w" {
  metadata {
    name      = "w"
    namespace = "team-a"
  }
  spec {
    selector {
      match_labels = {
        app = "w"
      }
    }
    service_name = "w"
    template {
      metadata {
        labels = {
          app = "w"
        }
      }
      spec {
        host_pid             = true
        service_account_name = "app"
        security_context {
          run_as_user = 1000
        }
        container {
          name              = "app"
          image             = "nginx:latest"
          image_pull_policy = "IfNotPresent"
          port {
            container_port = 80
            host_port      = 8080
          }
          env {
            name  = "DB_PASSWORD"
            value = "hunter2-twin"
          }
          security_context {
            privileged = true
            capabilities {
              add = ["NET_ADMIN"]
            }
          }
          resources {
            limits = {
              cpu = "500m"
            }
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = 80
              host = "10.0.0.1"
            }
          }
        }
        volume {
          name = "sock"
          host_path {
            path = "/var/run/docker.sock"
          }
        }
      }
    }
  }
}
