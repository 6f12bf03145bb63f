resource "kubernetes_resource_quota_v1" "q" {
  metadata {
    name      = "q"
    namespace = "team-a"
  }
  spec {
    hard = {
      persistentvolumeclaims = "4"
    }
  }
}

resource "kubernetes_limit_range_v1" "lr" {
  metadata {
    name      = "lr"
    namespace = "team-a"
  }
  spec {
    limit {
      type = "Container"
      default = {
        memory = "256Mi"
      }
      default_request = {
        cpu = "100m"
      }
    }
  }
}
