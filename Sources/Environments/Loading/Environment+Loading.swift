extension Environment {
    /// Reads and validates the environment file at `path` with a default ``EnvironmentLoader``.
    ///
    /// - Throws: ``EnvironmentError`` when the file can't be read, isn't valid TOML, or breaks any rule.
    public static func load(contentsOf path: String) throws(EnvironmentError) -> Environment {
        try EnvironmentLoader().load(contentsOf: path)
    }

    /// Validates the text of an environment file with a default ``EnvironmentLoader``.
    ///
    /// - Throws: ``EnvironmentError`` listing every problem, sorted by line.
    public static func parse(_ text: String, name: String, sourcePath: String) throws(EnvironmentError) -> Environment {
        try EnvironmentLoader().parse(text, name: name, sourcePath: sourcePath)
    }
}
