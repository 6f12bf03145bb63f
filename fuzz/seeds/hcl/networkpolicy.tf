resource "kubernetes_network_policy_v1" "np" {
  metadata {
    name      = "np"
    namespace = "team-a"
  }
  spec {
    pod_selector {
      match_labels = {
        app = "w"
      }
    }
    policy_types = ["Ingress", "Egress"]
    ingress {
      from {
        namespace_selector {
          match_expressions {
            key      = "team"
            operator = "In"
            values   = ["a"]
          }
        }
        pod_selector {}
      }
      ports {
        protocol = "TCP"
        port     = 80
      }
    }
    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = ["10.0.0.0/8"]
        }
      }
    }
  }
}
