resource "kubernetes_manifest" "m" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata = {
      name      = "m"
      namespace = "team-a"
    }
    spec = {
      selector = {
        matchLabels = {
          app = "m"
        }
      }
      template = {
        metadata = {
          labels = {
            app = "m"
          }
        }
        spec = {
          containers = [{
            name  = "m"
            image = "busybox"
            securityContext = {
              privileged = true
            }
          }]
        }
      }
    }
  }
}
