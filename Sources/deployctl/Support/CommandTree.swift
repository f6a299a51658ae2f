import ArgumentParser

/// Where global options may stand: users type `deployctl --json migrate status museshow`, but the
/// parser expects options after the subcommand that declares them. The subcommand path is read
/// off the command definitions themselves, so every command, including those yet to come, works.
enum CommandTree {
    /// `arguments` with every global option found before the end of the subcommand path moved behind it.
    static func hoisted(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        let (path, globals, index) = split(arguments, root: root)
        return path + globals + arguments[index...]
    }

    /// The subcommand words of `arguments` (`["migrate", "status"]`).
    static func commandPath(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        split(arguments, root: root).path
    }

    /// Whether `--json` was given (before a `--` terminator).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains(GlobalOptions.jsonFlag)
    }

    private static func split(_ arguments: [String], root: any ParsableCommand.Type) -> (
        path: [String], globals: [String], index: Int
    ) {
        var path: [String] = []
        var globals: [String] = []
        var node = root
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == GlobalOptions.jsonFlag
                || GlobalOptions.valueOptions.contains(where: { argument.hasPrefix($0 + "=") })
            {
                globals.append(argument)
                index += 1
            } else if GlobalOptions.valueOptions.contains(argument), index + 1 < arguments.count {
                globals += [argument, arguments[index + 1]]
                index += 2
            } else if let child = subcommand(of: node, named: argument) {
                path.append(argument)
                node = child
                index += 1
            } else {
                break
            }
        }
        return (path, globals, index)
    }

    private static func subcommand(of command: any ParsableCommand.Type, named name: String) -> (
        any ParsableCommand.Type
    )? {
        command.configuration.subcommands.first { child in
            (child.configuration.commandName ?? child._commandName) == name
                || child.configuration.aliases.contains(name)
        }
    }
}
