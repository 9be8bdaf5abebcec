// `cairn-server user add|list`, `enrol-code`, `device list|revoke`: account administration on
// the store, from the machine the server runs on.
#include <map>

#include "commands.h"

namespace cairn::server::cli {

int RunUserAdd(Invocation& inv) {
  const std::optional<std::string> name = inv.Option("name");
  const std::optional<std::string> role_name = inv.Option("role");
  if (!name || name->empty()) return inv.UsageError("'user add' needs --name NAME");
  if (!role_name) return inv.UsageError("'user add' needs --role ROLE");
  Result<Role> role = ParseRole(*role_name);
  if (!role.ok()) return inv.UsageError(role.status().message());
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  const std::optional<std::string> email = inv.Option("email");
  Result<User> user = (*store)->AddUser(*name, *role, email);
  if (!user.ok()) return inv.Fail(user.status());
  inv.out() << user->id << "\n";
  return kExitOk;
}

int RunUserEmail(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  const std::string& address = inv.args()[1];
  const Status set = (*store)->SetUserEmail(
      inv.args()[0], address.empty() ? std::nullopt : std::optional<std::string_view>(address));
  if (!set.ok()) return inv.Fail(set);
  inv.err() << (address.empty() ? "removed the e-mail address of " : "set the e-mail address of ")
            << inv.args()[0] << "\n";
  return kExitOk;
}

int RunUserList(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<std::vector<User>> users = (*store)->ListUsers();
  if (!users.ok()) return inv.Fail(users.status());
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ROLE", "EMAIL"}};
  for (const User& user : *users) {
    rows.push_back(
        {user.id, user.name, std::string(RoleName(user.role)), user.email.value_or("-")});
  }
  PrintTable(inv.out(), rows);
  return kExitOk;
}

int RunEnrolCode(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<User> user = (*store)->FindUser(inv.args()[0]);
  if (!user.ok()) return inv.Fail(user.status());
  Result<std::string> code = (*store)->NewEnrolCode(user->id);
  if (!code.ok()) return inv.Fail(code.status());
  // The code alone on stdout, so that scripts can capture it.
  inv.out() << *code << "\n";
  return kExitOk;
}

int RunDeviceList(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<std::vector<DeviceInfo>> devices = (*store)->ListDevices();
  if (!devices.ok()) return inv.Fail(devices.status());
  Result<std::vector<User>> users = (*store)->ListUsers();
  if (!users.ok()) return inv.Fail(users.status());
  std::map<std::string, std::string, std::less<>> names;
  for (const User& user : *users) names.emplace(user.id, user.name);

  std::vector<std::vector<std::string>> rows = {
      {"ID", "USER", "NAME", "ACTOR", "CREATED", "REVOKED"}};
  for (const DeviceInfo& device : *devices) {
    const auto name = names.find(device.user_id);
    rows.push_back({device.id, name != names.end() ? name->second : device.user_id, device.name,
                    device.actor.ToString(), IsoTime(device.created_ms),
                    device.revoked_ms ? IsoTime(*device.revoked_ms) : std::string("-")});
  }
  PrintTable(inv.out(), rows);
  return kExitOk;
}

int RunDeviceRevoke(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  if (Status s = (*store)->RevokeDevice(inv.args()[0]); !s.ok()) return inv.Fail(s);
  inv.err() << "revoked device " << inv.args()[0] << "\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
