import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// The HTML report: real tables, one colour per series on the whole page, and (rendered in
/// headless Chromium) no text cut off or overflowing its box.
final class HTMLReportTests: XCTestCase {
    func mixedReport() throws -> ScoreReport {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        return try MixedStudy.score(dir)
    }

    /// A counterbalanced study's balance line (items x conditions) is on the page, as in the
    /// text and JSON reports; a study without arms gets no such section.
    func testTheBalanceLineIsInTheHTMLReport() throws {
        var r = try mixedReport()
        XCTAssertFalse(HTMLRenderer.render(r).contains("Counterbalancing"), "no arms, no balance section")
        r.balance = BalanceReport(counterbalancedSessions: 4, items: 6, itemsUnderBoth: 6, balancedItems: 6,
                                  largestGap: 0, participantsPerArm: [(arm: 1, participants: 2), (arm: 2, participants: 2)])
        let html = HTMLRenderer.render(r)
        XCTAssertTrue(html.contains("<h2>Counterbalancing</h2>"), html)
        XCTAssertTrue(html.contains("4 session(s) with an arm (arm 1: 2, arm 2: 2); 6 item(s), 6 answered under both "
                                    + "conditions, 6 balanced (assisted and unaided answers within 1), largest gap 0. Balanced."))
        r.balance?.balancedItems = 5
        r.balance?.largestGap = 2
        XCTAssertTrue(HTMLRenderer.render(r).contains("largest gap 2. <strong>Off balance: see the warnings.</strong>"))
    }

    func testTablesAreTablesNotPreformattedText() throws {
        let html = HTMLRenderer.render(try mixedReport())
        XCTAssertFalse(html.contains("<pre"), "no preformatted text")
        for cls in ["results", "details", "blocks", "participants"] {
            XCTAssertTrue(html.contains("<table class=\"\(cls)\""), cls)
        }
        XCTAssertTrue(html.contains("<td class=\"l label\">dev</td>"))
    }

    /// Every element drawn for a series (swatches, bars, lines, points, legend keys) has the
    /// same colour wherever it appears, and different series have different colours.
    func testEachSeriesHasOneColourEverywhere() throws {
        let r = try mixedReport()
        let html = HTMLRenderer.render(r)
        let pattern = try NSRegularExpression(pattern: #"<(rect|circle|polyline|span)[^>]*>"#)
        var colours: [String: Set<String>] = [:]
        var counts: [String: Int] = [:]
        let ns = html as NSString
        for m in pattern.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            let tag = ns.substring(with: m.range)
            guard let series = attribute("data-series", in: tag) else { continue }
            let colour = [attribute("fill", in: tag), attribute("stroke", in: tag)].compactMap { $0 }.first { $0 != "none" }
                ?? tag.range(of: #"background:#[0-9a-f]{6}"#, options: .regularExpression).map { String(tag[$0].dropFirst(11)) }
            guard let colour else { continue }
            colours[series, default: []].insert(colour)
            counts[series, default: 0] += 1
        }
        // The swatches in the table cells sit inside the <td data-series>; check those too.
        let swatch = try NSRegularExpression(pattern: #"<td class="l label" data-series="([^"]+)"><span class="sw" style="background:(#[0-9a-f]{6})""#)
        for m in swatch.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            colours[ns.substring(with: m.range(at: 1)), default: []].insert(ns.substring(with: m.range(at: 2)))
        }
        let labels = Set(r.tasks.flatMap(\.rows).map { HTMLRenderer.esc($0.label) })
        XCTAssertEqual(Set(colours.keys), labels)
        for (series, set) in colours { XCTAssertEqual(set.count, 1, "\(series) is drawn in \(set.sorted())") }
        let used = colours.values.compactMap(\.first)
        XCTAssertEqual(Set(used).count, used.count, "two series share a colour: \(colours)")
        XCTAssertGreaterThan(counts.values.min() ?? 0, 0, "each series is drawn in the charts")
    }

    private func attribute(_ name: String, in tag: String) -> String? {
        guard let r = tag.range(of: " \(name)=\"") else { return nil }
        let rest = tag[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    // MARK: - In a browser

    /// Appended to a copy of the report: measures every cell, caption, paragraph and chart text
    /// after layout and writes what it finds into the page, which `--dump-dom` prints.
    static let layoutCheck = """
        <script>
        (function () {
          var problems = [], checked = 0;
          function name(el) { return el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 70) + '"'; }
          document.querySelectorAll('td, th, figcaption, figure, h1, h2, p, li').forEach(function (el) {
            checked++;
            if (el.scrollWidth > el.clientWidth + 1) problems.push('overflows its box: ' + name(el));
          });
          document.querySelectorAll('table').forEach(function (t) {
            checked++;
            if (t.getBoundingClientRect().right > document.body.getBoundingClientRect().right + 1)
              problems.push('table wider than the page: ' + t.className);
          });
          document.querySelectorAll('td.ci').forEach(function (el) {
            var range = document.createRange(); range.selectNodeContents(el);
            var tops = {};
            Array.prototype.forEach.call(range.getClientRects(), function (r) { if (r.width > 0) tops[Math.round(r.top)] = 1; });
            if (Object.keys(tops).length > 1) problems.push('wraps: ' + name(el));
          });
          document.querySelectorAll('svg').forEach(function (svg) {
            var w = svg.viewBox.baseVal.width || svg.width.baseVal.value;
            var h = svg.viewBox.baseVal.height || svg.height.baseVal.value;
            var boxes = [];
            svg.querySelectorAll('text').forEach(function (t) {
              checked++;
              var b = t.getBBox();
              if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > w + 0.5 || b.y + b.height > h + 0.5)
                problems.push('cut off: ' + name(t) + ' box ' + [b.x, b.y, b.width, b.height].map(Math.round) + ' in ' + w + 'x' + h);
              boxes.forEach(function (o) {
                var dx = Math.min(b.x + b.width, o.b.x + o.b.width) - Math.max(b.x, o.b.x);
                var dy = Math.min(b.y + b.height, o.b.y + o.b.height) - Math.max(b.y, o.b.y);
                if (dx > 1 && dy > 1) problems.push('overlaps: ' + name(t) + ' and ' + name(o.t));
              });
              boxes.push({ t: t, b: b });
            });
            var fig = svg.parentElement;
            if (fig.getBoundingClientRect().right < svg.getBoundingClientRect().right - 0.5) problems.push('svg sticks out of its figure');
          });
          if (document.documentElement.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');
          var out = document.createElement('output');
          out.id = 'layout-check';
          out.textContent = 'LAYOUT-CHECK' + JSON.stringify({ checked: checked, problems: problems }) + 'END-CHECK';
          document.body.appendChild(out);
        })();
        </script>
        """

    struct LayoutResult: Decodable {
        var checked: Int
        var problems: [String]
    }

    /// Path of Debian's `chromium`, or a skip that says how to get it.
    static func chromium() throws -> String {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            where FileManager.default.isExecutableFile(atPath: p) { return p }
        throw XCTSkip("headless Chromium is not installed (scripts/setup.sh --chromium, or apt-get install chromium); the browser layout check did not run")
    }

    /// Render `html` at `width` CSS pixels wide and return what the layout check found.
    func layout(_ html: String, width: Int) throws -> LayoutResult {
        let browser = try Self.chromium()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("html-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html")
        try html.replacingOccurrences(of: "</body>", with: Self.layoutCheck + "</body>").write(to: page, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("dom.txt"), err = dir.appendingPathComponent("err.txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--window-size=\(width),1000",
                       "--dump-dom", page.absoluteString]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning {
            p.terminate()
            XCTFail("chromium did not finish within 120 s")
        }
        p.waitUntilExit()
        let dom = try String(contentsOf: out, encoding: .utf8)
        // The script's own text holds the markers too: the result is the last pair.
        guard let a = dom.range(of: "LAYOUT-CHECK{", options: .backwards),
              let b = dom.range(of: "}END-CHECK", range: a.upperBound..<dom.endIndex) else {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw XCTSkip("chromium produced no page (status \(p.terminationStatus)): \(stderr.suffix(400))")
        }
        let json = ("{" + dom[a.upperBound..<b.lowerBound] + "}").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(LayoutResult.self, from: Data(json.utf8))
    }

    /// Long assistant and model names, several model rows, two tasks: nothing is cut off, no
    /// CI cell wraps, no table is wider than the page, at a desktop and a laptop width.
    func testNothingIsCutOffInABrowser() throws {
        let html = HTMLRenderer.render(try mixedReport())
        for width in [1280, 1024] {
            let result = try layout(html, width: width)
            XCTAssertGreaterThan(result.checked, 200, "the check ran over the page")
            XCTAssertEqual(result.problems, [], "at \(width) px")
        }
    }

    /// The check itself notices a label that does not fit (so a pass means something).
    func testTheBrowserCheckCatchesACutOffLabel() throws {
        let bad = """
            <!DOCTYPE html><html><body><figure><svg width="100" height="40" viewBox="0 0 100 40">\
            <text x="90" y="20" text-anchor="start">a label far too long for its chart</text></svg></figure>\
            <table><tr><td class="ci" style="width:20px;max-width:20px">[12.5, 100.0]</td></tr></table></body></html>
            """
        let result = try layout(bad, width: 800)
        XCTAssertTrue(result.problems.contains { $0.hasPrefix("cut off:") }, "\(result.problems)")
        XCTAssertTrue(result.problems.contains { $0.hasPrefix("wraps:") }, "\(result.problems)")
    }
}
