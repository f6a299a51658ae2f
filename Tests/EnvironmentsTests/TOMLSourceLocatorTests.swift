import Testing

@testable import Environments

@Suite("The source locator finds the line and column of any key path")
struct TOMLSourceLocatorTests {
    static let document = #"""
        # A comment with [brackets] and key = "value"
        title = "a string with # and [x] = 1"
        dotted.key = 1

        [server]
        "quoted.key" = 2
        inline = { a = 1, b = { c = 2 } }
        list = [
          { name = "x" },  # a comment ]
          { name = "y" },
        ]
        text = """
        [not.a.header]
        key = "not a key"
        """
        literal = '''
        [also.not]
        '''

        [[hosts]]
        name = "first"

        [[hosts]]
        name = "second"
          port = 22

        [hosts.extra]
        flag = true

        [ 'spaced' . "header" ]
        deep = 1
        """#

    static let locator = TOMLSourceLocator(text: document)

    static func path(_ components: TOMLKeyPath.Component...) -> TOMLKeyPath {
        TOMLKeyPath(components: components)
    }

    @Test(
        "recorded positions",
        arguments: [
            (path(.key("title")), 2, 1),
            (path(.key("dotted")), 3, 1),
            (path(.key("dotted"), .key("key")), 3, 1),
            (path(.key("server")), 5, 1),
            (path(.key("server"), .key("quoted.key")), 6, 1),
            (path(.key("server"), .key("inline")), 7, 1),
            (path(.key("server"), .key("inline"), .key("a")), 7, 12),
            (path(.key("server"), .key("inline"), .key("b"), .key("c")), 7, 25),
            (path(.key("server"), .key("list"), .index(0)), 9, 3),
            (path(.key("server"), .key("list"), .index(1), .key("name")), 10, 5),
            (path(.key("server"), .key("text")), 12, 1),
            (path(.key("server"), .key("literal")), 16, 1),
            (path(.key("hosts")), 20, 1),
            (path(.key("hosts"), .index(0), .key("name")), 21, 1),
            (path(.key("hosts"), .index(1)), 23, 1),
            (path(.key("hosts"), .index(1), .key("port")), 25, 3),
            (path(.key("hosts"), .index(1), .key("extra"), .key("flag")), 28, 1),
            (path(.key("spaced"), .key("header"), .key("deep")), 31, 1),
        ]
    )
    func positions(path: TOMLKeyPath, line: Int, column: Int) {
        #expect(Self.locator.position(of: path) == SourcePosition(line: line, column: column))
    }

    @Test("text inside strings is not mistaken for keys or headers")
    func stringsAreSkipped() {
        #expect(Self.locator.position(of: Self.path(.key("not"), .key("a"), .key("header"))) == nil)
        #expect(Self.locator.position(of: Self.path(.key("server"), .key("key"))) == nil)
        #expect(Self.locator.position(of: Self.path(.key("also"), .key("not"))) == nil)
    }

    @Test("a path that is not written falls back to its closest written ancestor, then the start")
    func nearestPosition() {
        #expect(
            Self.locator.nearestPosition(of: Self.path(.key("hosts"), .index(1), .key("user")))
                == SourcePosition(line: 23, column: 1))
        #expect(Self.locator.nearestPosition(of: Self.path(.key("missing"), .key("key"))) == .start)
    }

    @Test("key paths render the way users write them")
    func keyPathDescription() {
        #expect(Self.path(.key("hosts"), .index(1), .key("port")).description == "hosts[1].port")
        #expect(Self.path(.key("server"), .key("quoted.key")).description == #"server."quoted.key""#)
        #expect(TOMLKeyPath.root.description == "")
    }
}
