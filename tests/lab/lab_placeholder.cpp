// PLACEHOLDER until the lab lands (keeps the library non-empty).
namespace fleetmend::lab { int placeholder = 0; }
