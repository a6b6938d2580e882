/// Facts about the app itself.
public enum AppInfo {
    /// Version written into every session log.
    public static let version = "0.1.0"
    /// Schema version of the session log records.
    public static let logSchemaVersion = 1
}
