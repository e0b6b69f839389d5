// load_inventory: reads the TOML inventory, expands host ranges, resolves the
// group tree and merges settings by precedence defaults < groups < host.
#include "orchestrator/config/connection_layer.hpp"
#include "orchestrator/config/host_range.hpp"
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/jump_resolution.hpp"
#include "orchestrator/config/toml_reader.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace fleetmend {
namespace {
using namespace config_detail;

// Names must stay usable in host patterns: no separators or glob characters.
bool usable_name(std::string_view name) {
    if (name.empty()) return false;
    return name.find_first_of(",!&*?[] \t\r\n:{}\"'") == std::string_view::npos;
}

struct position {
    std::uint32_t line = 0, column = 0;
    auto operator<=>(const position&) const = default;
};

position position_of(const toml::source_region& r) { return {r.begin.line, r.begin.column}; }

struct group_source {
    std::string name;
    position declared;
    toml::source_region where;
    connection_layer layer;
    std::vector<std::string> hosts;
    std::vector<std::pair<std::string, toml::source_region>> children;
    std::vector<std::string> parents;
    int depth = -1;
};

struct host_source {
    std::string name;
    position first_seen;     // inventory order is the order of first mention
    std::size_t expansion = 0;  // keeps a range's hosts in order
    std::vector<std::size_t> direct_groups;
    const connection_layer* own = nullptr;
    std::optional<std::string> address;
};

class inventory_loader {
public:
    explicit inventory_loader(const std::string& path) : reader_(path) {}

    inventory load() {
        const toml::table root = reader_.parse();
        reader_.check_keys(root, "", {"defaults", "groups", "hosts"});
        if (const auto* node = root.get("defaults")) read_defaults(*node);
        if (const auto* node = root.get("groups")) read_groups(*node);
        if (const auto* node = root.get("hosts")) read_hosts(*node);
        link_children();
        for (auto& g : groups_) compute_depth(g, {});
        return assemble();
    }

private:
    void read_defaults(const toml::node& node) {
        const auto& table = reader_.table(node, "defaults");
        reader_.check_keys(table, "defaults", connection_keys);
        defaults_ = read_connection_layer(reader_, table, "defaults");
    }

    void read_groups(const toml::node& node) {
        const auto& table = reader_.table(node, "groups");
        for (const auto& [key, value] : table) {
            const std::string name(key.str());
            const std::string path = join_key("groups", name);
            if (!usable_name(name) || name == "all")
                reader_.fail(key.source(), path,
                             name == "all" ? "'all' is reserved for every host; choose another group name"
                                           : "a group name must not be empty or contain spaces, ',', '!', '&', ':', "
                                             "quotes, braces or glob characters");
            const auto& group_table = reader_.table(value, path);
            std::vector<std::string_view> allowed(connection_keys.begin(), connection_keys.end());
            allowed.insert(allowed.end(), {"hosts", "children"});
            reader_.check_keys(group_table, path, allowed);
            group_source g;
            g.name = name;
            g.where = key.source();
            g.declared = position_of(key.source());
            g.layer = read_connection_layer(reader_, group_table, path);
            if (const auto* hosts = group_table.get("hosts")) read_group_hosts(*hosts, path + ".hosts", g);
            if (const auto* children = group_table.get("children")) {
                const auto& items = reader_.array(*children, path + ".children");
                for (std::size_t i = 0; i < items.size(); ++i) {
                    const std::string child_key = path + ".children[" + std::to_string(i) + "]";
                    g.children.emplace_back(reader_.string(*items.get(i), child_key), items.get(i)->source());
                }
            }
            groups_.push_back(std::move(g));
        }
        // toml++ keeps tables sorted by key; inventory order is file order.
        std::ranges::sort(groups_, {}, &group_source::declared);
        for (std::size_t i = 0; i < groups_.size(); ++i) group_index_[groups_[i].name] = i;
        for (std::size_t i = 0; i < groups_.size(); ++i)
            for (const auto& h : groups_[i].hosts) hosts_[host_index_[h]].direct_groups.push_back(i);
    }

    void read_group_hosts(const toml::node& node, const std::string& path, group_source& g) {
        const auto& items = reader_.array(node, path);
        std::unordered_set<std::string> seen;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string key = path + '[' + std::to_string(i) + ']';
            const toml::node& item = *items.get(i);
            auto names = expand_host_range(reader_.string(item, key));
            if (!names) reader_.fail(item, key, names.error());
            for (std::size_t n = 0; n < names->size(); ++n) {
                auto& name = (*names)[n];
                if (!usable_name(name))
                    reader_.fail(item, key, "host name '" + name + "' must not be empty or contain spaces, ',', '!', "
                                            "'&', ':', quotes, braces or glob characters");
                note_host(name, position_of(item.source()), n);
                if (seen.insert(name).second) g.hosts.push_back(std::move(name));
            }
        }
    }

    host_source& note_host(const std::string& name, position where, std::size_t expansion) {
        auto [it, added] = host_index_.try_emplace(name, hosts_.size());
        if (added) hosts_.push_back(host_source{name, where, expansion, {}, nullptr, std::nullopt});
        auto& h = hosts_[it->second];
        if (std::pair{where, expansion} < std::pair{h.first_seen, h.expansion}) {
            h.first_seen = where;
            h.expansion = expansion;
        }
        return h;
    }

    void read_hosts(const toml::node& node) {
        const auto& table = reader_.table(node, "hosts");
        host_layers_.reserve(table.size());  // host_source keeps pointers into it
        for (const auto& [key, value] : table) {
            const std::string name(key.str());
            const std::string path = join_key("hosts", name);
            if (!usable_name(name))
                reader_.fail(key.source(), path,
                             "a host name must not be empty or contain spaces, ',', '!', '&', ':', quotes, braces "
                             "or glob characters (ranges belong in a group's hosts list)");
            if (group_index_.contains(name))
                reader_.fail(key.source(), path, "'" + name + "' is already a group name; a pattern could not tell "
                                                 "them apart, so rename one of them");
            const auto& host_table = reader_.table(value, path);
            std::vector<std::string_view> allowed(connection_keys.begin(), connection_keys.end());
            allowed.push_back("address");
            reader_.check_keys(host_table, path, allowed);
            host_layers_.push_back(read_connection_layer(reader_, host_table, path));
            auto& h = note_host(name, position_of(key.source()), 0);
            h.own = &host_layers_.back();
            if (const auto* address = host_table.get("address")) {
                h.address = reader_.string(*address, path + ".address");
                if (h.address->empty() || h.address->find_first_of(" \t\r\n,/") != std::string::npos)
                    reader_.fail(*address, path + ".address", "expected a host name or an IP address");
            }
        }
    }

    void link_children() {
        for (auto& g : groups_) {
            for (const auto& [child, where] : g.children) {
                const auto it = group_index_.find(child);
                if (it == group_index_.end())
                    reader_.fail(where, "groups." + g.name + ".children",
                                 "no group named '" + child + "'; declare [groups." + child + "] or fix the name");
                if (child == g.name) reader_.fail(where, "groups." + g.name + ".children", "a group cannot contain itself");
                groups_[it->second].parents.push_back(g.name);
            }
        }
        for (const auto& h : hosts_)
            if (group_index_.contains(h.name) && h.own == nullptr)
                reader_.fail(groups_[group_index_[h.name]].where, "groups." + h.name,
                             "'" + h.name + "' is both a group and a host; a pattern could not tell them apart");
    }

    // Depth = longest parent chain, so parents always apply before children.
    int compute_depth(group_source& g, std::vector<std::string> chain) {
        if (g.depth >= 0) return g.depth;
        if (std::ranges::find(chain, g.name) != chain.end()) {
            std::string cycle;
            for (const auto& c : chain) cycle += c + " -> ";
            reader_.fail(g.where, "groups." + g.name + ".children", "groups contain each other: " + cycle + g.name);
        }
        chain.push_back(g.name);
        int depth = 0;
        for (const auto& parent : g.parents)
            depth = std::max(depth, 1 + compute_depth(groups_[group_index_[parent]], chain));
        g.depth = depth;
        return depth;
    }

    // Every group of a host, ancestors too, parents before children and
    // otherwise in file order.
    std::vector<std::size_t> groups_of(const host_source& h) {
        std::set<std::size_t> all;
        std::function<void(std::size_t)> add = [&](std::size_t i) {
            if (!all.insert(i).second) return;
            for (const auto& parent : groups_[i].parents) add(group_index_[parent]);
        };
        for (const auto i : h.direct_groups) add(i);
        std::vector<std::size_t> ordered(all.begin(), all.end());
        std::ranges::stable_sort(ordered, {}, [&](std::size_t i) { return std::pair{groups_[i].depth, i}; });
        return ordered;
    }

    inventory assemble() {
        inventory inv;
        inv.path = reader_.file();
        for (const auto& g : groups_) {
            group_entry entry{g.name, g.hosts, {}};
            for (const auto& [child, where] : g.children) entry.children.push_back(child);
            inv.groups.emplace(g.name, std::move(entry));
        }
        std::vector<const host_source*> order;
        for (const auto& h : hosts_) order.push_back(&h);
        std::ranges::stable_sort(order, {}, [](const host_source* h) { return std::pair{h->first_seen, h->expansion}; });
        inv.hosts.reserve(order.size());
        std::vector<jump_context> jumps;
        jumps.reserve(order.size());
        for (const host_source* h : order) {
            host_entry entry;
            entry.name = h->name;
            entry.connection.host_name = h->name;
            std::vector<const connection_layer*> layers{&defaults_};
            for (const auto i : groups_of(*h)) {
                entry.groups.push_back(groups_[i].name);
                layers.push_back(&groups_[i].layer);
            }
            if (h->own != nullptr) layers.push_back(h->own);
            for (const auto* layer : layers) apply_layer(*layer, entry.connection, entry.vars, entry.password_source);
            entry.connection.address = h->address.value_or(h->name);
            finish_connection(reader_, layers, entry.connection);
            jump_context context{winning_jump(layers), ssh_configs_.for_layers(reader_, layers),
                                 what_inventory_sets(layers, h->address.has_value(), entry.connection.kind)};
            record_inventory_origins(context.sets, entry);
            if (context.config != nullptr) {
                std::optional<located_jump> proxy_jump;
                apply_ssh_config(*context.config, context.sets, entry, proxy_jump);
                if (proxy_jump) context.jump = &proxy_jumps_.emplace_back(std::move(*proxy_jump));
            }
            jumps.push_back(context);
            inv.hosts.push_back(std::move(entry));
        }
        resolve_jumps(reader_, inv.hosts, jumps);
        return inv;
    }

    toml_reader reader_;
    connection_layer defaults_;
    std::vector<group_source> groups_;
    std::unordered_map<std::string, std::size_t> group_index_;
    std::vector<host_source> hosts_;
    std::unordered_map<std::string, std::size_t> host_index_;
    std::vector<connection_layer> host_layers_;
    ssh_config_files ssh_configs_;
    std::deque<located_jump> proxy_jumps_;  // ProxyJump values taken from ssh config files (stable addresses)
};

}  // namespace

const host_entry* inventory::find(const std::string& name) const {
    const auto it = std::ranges::find(hosts, name, &host_entry::name);
    return it == hosts.end() ? nullptr : &*it;
}

std::expected<inventory, config_error> load_inventory(const std::string& path) {
    try {
        return inventory_loader(path).load();
    } catch (const config_failure& failure) {
        return std::unexpected(failure.error);
    }
}

}  // namespace fleetmend
