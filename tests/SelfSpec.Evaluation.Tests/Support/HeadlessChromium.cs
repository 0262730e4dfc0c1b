using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Support;

/// <summary>Debian's chromium run headless on a local file: the rendered DOM, the console log and a screenshot.</summary>
public static class HeadlessChromium
{
    private static readonly string[] CommonArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0"];

    /// <summary>Path of the chromium binary; throws with the install hint when it is missing.</summary>
    public static string Binary =>
        ExternalReference.RequireProgram("/usr/bin/chromium", debianPackage: "chromium");

    /// <summary>The DOM after load (<c>--dump-dom</c>) and chromium's stderr log.</summary>
    public static ProcessResult DumpDom(string htmlPath, string profileDir) =>
        Run([.. CommonArgs, $"--user-data-dir={profileDir}", "--dump-dom", new Uri(htmlPath).AbsoluteUri]);

    /// <summary>Writes a PNG screenshot of <paramref name="htmlPath"/> at the given window size.</summary>
    public static ProcessResult Screenshot(string htmlPath, string pngPath, string profileDir, int width = 1280, int height = 2000) =>
        Run([.. CommonArgs, $"--user-data-dir={profileDir}", $"--screenshot={pngPath}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(htmlPath).AbsoluteUri]);

    /// <summary>Console lines chromium logged for the page (any at all is a defect for a page without scripts).</summary>
    public static List<string> ConsoleLines(string stderr) =>
        stderr.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToList();

    private static ProcessResult Run(IEnumerable<string> args) => ChildProcess.Run(Binary, args, timeout: TimeSpan.FromMinutes(2));
}
