resource "kubernetes_service_account_v1" "app" {
  metadata {
    name      = "app"
    namespace = "team-a"
  }
  automount_service_account_token = true
}
