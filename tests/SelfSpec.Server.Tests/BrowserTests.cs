using Microsoft.Playwright;
using SelfSpec.Server.Studio;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Server.Tests;

/// <summary>
/// The real Studio in a real browser (Debian's chromium through Playwright) against a server on a loopback port.
/// Studio boots slowly headless (~20 s a page on 2 cores): every wait is on a condition, with generous limits.
/// Screenshots of each step go to TestResults/designer/.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly float Patience = (float)TimeSpan.FromMinutes(3).TotalMilliseconds;

    private static string Screenshots
    {
        get
        {
            var dir = Path.Combine(Paths.RepoRoot, "TestResults", "designer");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static async Task<(IPlaywright, IBrowser, IPage)> OpenAsync()
    {
        ExternalReference.RequireProgram(Chromium, debianPackage: "chromium");
        if (StudioPackage.Locate() is null) throw new InvalidOperationException("Elsa Studio is not fetched: run scripts/fetch-studio.sh (scripts/test.sh does)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        page.SetDefaultTimeout(Patience);
        return (playwright, browser, page);
    }

    /// <summary>
    /// What the page did (navigations, console errors, uncaught errors, failed requests), so a failure on a loaded CI
    /// machine says where the page was and why rather than only which wait timed out.
    /// </summary>
    private sealed class PageLog
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> entries = new();
        private readonly DateTime start = DateTime.UtcNow;

        private PageLog(IPage page)
        {
            page.FrameNavigated += (_, frame) => { if (frame.ParentFrame is null) Add("navigated " + frame.Url); };
            page.Console += (_, message) => { if (message.Type is "error" or "warning") Add($"console {message.Type}: {message.Text}"); };
            page.PageError += (_, error) => Add("page error: " + error);
            page.RequestFailed += (_, request) => Add($"request failed: {request.Method} {request.Url} ({request.Failure})");
            page.Response += (_, response) => { if (response.Status >= 400) Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}"); };
        }

        /// <summary>Starts logging the page's events; call before the page is opened.</summary>
        public static async Task<PageLog> AttachAsync(IPage page)
        {
            var log = new PageLog(page);
            // The drag events the page sees, through the console (the listener runs before Studio's).
            page.Console += (_, message) => { if (message.Text.StartsWith(DragPrefix, StringComparison.Ordinal)) log.Add(message.Text); };
            await page.AddInitScriptAsync($$"""
                for (const type of ['dragstart', 'drop', 'dragend'])
                  window.addEventListener(type, e => console.debug('{{DragPrefix}}' + type + ' on '
                    + (e.target.closest?.('[data-cell-id]')?.getAttribute('data-cell-id') ?? e.target.tagName) + ' at ' + e.clientX + ',' + e.clientY), true);
                """);
            return log;
        }

        private const string DragPrefix = "page saw ";

        /// <summary>Adds a step of the test to the log, among the page's events.</summary>
        public void Note(string step) => Add("test: " + step);

        private void Add(string entry)
        {
            entries.Enqueue($"+{(DateTime.UtcNow - start).TotalSeconds:F1}s {entry}");
            while (entries.Count > 60) entries.TryDequeue(out _);
        }

        public Exception Explain(IPage page, Exception failure) =>
            new InvalidOperationException($"{failure.Message}\npage at {page.Url}; the page's last events:\n  {string.Join("\n  ", entries)}", failure);
    }

    [Fact]
    public async Task The_list_opens_and_the_editor_draws_every_activity_of_self_specialization()
    {
        await using var host = await ServerHost.StartAsync(realPort: true);
        var (playwright, browser, page) = await OpenAsync();
        using var _ = playwright;
        await using var __ = browser;
        var external = new List<string>();
        page.Request += (_, r) => { if (!r.Url.StartsWith(host.BaseUrl, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal)) external.Add(r.Url); };
        var consoleErrors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Enqueue(m.Text + " " + m.Location); };

        await page.GotoAsync(host.BaseUrl + "/");
        await page.GetByText("Self-specialization (iteration 1)").First.WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "1-definition-list.png") });

        var definition = WorkflowDefinitionSerializer.ReadFile(Path.Combine(ServerHost.ProjectWorkflows, "self-specialization.json"));
        var ids = definition.Root.Activities!.Select(a => a.Id).ToList();
        await page.GotoAsync(host.BaseUrl + "/designer/self-specialization");
        foreach (var id in ids)
            await page.Locator($"[data-cell-id='{id}']").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal(ids.Count, await page.Locator(".x6-node").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "2-editor-self-specialization.png") });
        Assert.Empty(external);
        Assert.Empty(consoleErrors); // e.g. a 404 for a file or an API call Studio makes that the server lacks
    }

    [Fact]
    public async Task Drag_connect_edit_autosave_publish_and_run_from_the_editor()
    {
        await using var host = await ServerHost.StartAsync(realPort: true, workflows: "/nonexistent");
        // Start → WriteLine1; the test adds WriteLine2 after WriteLine1 in the designer.
        var json = SmallWorkflows.HelloJson();
        json["root"]!["activities"]!.AsArray().RemoveAt(2);
        json["root"]!["connections"]!.AsArray().RemoveAt(1);
        Assert.Equal(200, (await host.PostJsonAsync("/elsa/api/workflow-definitions/import", json)).Status);
        var (playwright, browser, page) = await OpenAsync();
        using var _ = playwright;
        await using var __ = browser;
        var log = await PageLog.AttachAsync(page);
        try
        {
            await page.GotoAsync(host.BaseUrl + "/designer/hello");
            await page.Locator("[data-cell-id='say']").First.WaitForAsync();

            // Drag a WriteLine from the toolbox (its draggable item: WriteLine1 on the canvas reads "Write Line" too) onto
            // the canvas. Once on a loaded CI machine a drag drew nothing for two minutes, with no error in the page: the
            // drag is then made again, and the page log says which drag events the page saw.
            await page.GetByText("Primitives", new PageGetByTextOptions { Exact = true }).First.ClickAsync();
            var canvas = page.Locator(".x6-graph").First;
            var toolboxWriteLine = page.Locator("[draggable='true']")
                .Filter(new LocatorFilterOptions { Has = page.GetByText("Write Line", new PageGetByTextOptions { Exact = true }) }).First;
            for (var attempt = 1; ; attempt++)
            {
                log.Note($"drag {attempt} of Write Line onto the canvas");
                await toolboxWriteLine.DragToAsync(canvas, new LocatorDragToOptions { TargetPosition = new TargetPosition { X = 300, Y = 380 } });
                if (await Within(TimeSpan.FromSeconds(40), async () => await page.Locator(".x6-node").CountAsync() >= 3)) break;
                if (attempt == 3) throw new TimeoutException("three drags of Write Line onto the canvas drew no activity");
            }
            Assert.Equal(3, await page.Locator(".x6-node").CountAsync());
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "3-dropped.png") });
            var added = await page.Locator(".x6-node").EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.getAttribute('data-cell-id'))");
            var newId = added.Single(id => id is not ("start" or "say"));

            // Connect it: drag from WriteLine1's Done port to the new activity's In port.
            var from = await page.Locator("[data-cell-id='say'] [port='Done']").First.BoundingBoxAsync();
            var to = await page.Locator($"[data-cell-id='{newId}'] [port='In']").First.BoundingBoxAsync();
            await page.Mouse.MoveAsync(from!.X + from.Width / 2, from.Y + from.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(to!.X + to.Width / 2, to.Y + to.Height / 2, new MouseMoveOptions { Steps = 12 });
            await page.Mouse.UpAsync();

            // Change an input of the existing WriteLine.
            await page.Locator("[data-cell-id='say']").First.ClickAsync();
            var text = page.Locator("textarea").First;
            await text.FillAsync("edited in the browser");
            await text.BlurAsync();

            // Auto-save: the stored draft gets all of it.
            await WaitUntil(() =>
            {
                var stored = WorkflowDefinitionSerializer.Read(host.Store.FindDefinition("hello")!.Json);
                return Task.FromResult(stored.Root.Activities!.Count == 3
                    && stored.Root.Activities.Single(a => a.Id == "say").GetInput("text")?.Expression.ValueText == "edited in the browser"
                    && stored.Root.Connections!.Any(c => c.Source == "say" && c.Target == newId));
            }, "auto-save stores the dropped activity, its connection and the edited input");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "4-edited-and-saved.png") });
            Assert.Equal(2, host.Store.FindDefinition("hello")!.Version);

            // Publish from the editor.
            await page.Locator("button.mud-icon-button.mud-primary-text").First.ClickAsync(); // the toolbar's publish (cloud) button
            await WaitUntil(() => Task.FromResult(host.Store.FindDefinition("hello") is { Version: 2, IsPublished: true }), "version 2 is published");

            // Run: Studio posts execute, then the page opens the instance.
            var execute = await page.RunAndWaitForResponseAsync(
                () => page.Locator("button.mud-icon-button.mud-success-text").First.ClickAsync(), // the toolbar's run (play) button
                r => r.Url.EndsWith("/workflow-definitions/hello/execute", StringComparison.Ordinal));
            var instanceId = await execute.HeaderValueAsync("x-elsa-workflow-instance-id");
            Assert.False(string.IsNullOrEmpty(instanceId));
            // Polled rather than WaitForURLAsync: on a loaded machine Studio's two hops (its own route, then ours) can land
            // between that call's look at the address and its listening for the next navigation, and it then waits forever.
            await WaitUntil(() => Task.FromResult(new Uri(page.Url).AbsolutePath == "/instances/" + instanceId), "the instance page opens");
            var instance = await host.WaitForEndAsync(instanceId);
            Assert.Equal(SelfSpec.Workflows.Persistence.WorkflowStatus.Finished, instance.Status);
            Assert.Equal(2, instance.Version);
            Assert.Contains(host.Store.GetLog(instanceId), l => l.EventName == "Line" && l.Message == "edited in the browser");
            await page.GetByText("Completed").First.WaitForAsync();
            // Nothing selected: the root flowchart's panel shows the instance's own execution (its record id ends in -root).
            await page.GetByText(instanceId + "-root").WaitForAsync();
            await page.Locator("tr", new PageLocatorOptions { HasText = "Status" }).GetByText("Completed").First.WaitForAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "5-instance-viewer-root.png") });
            // Selecting an executed activity opens its execution record.
            var selected = await page.RunAndWaitForResponseAsync(() => page.Locator("[data-cell-id='say']").First.ClickAsync(),
                r => r.Url.Contains("/activity-executions/by-id", StringComparison.Ordinal));
            Assert.Equal(200, selected.Status);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "5-instance-viewer.png") });

            await page.GotoAsync(host.BaseUrl + "/instances");
            await page.Locator("tr", new PageLocatorOptions { HasText = instanceId }).GetByText("Finished").First.WaitForAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "6-instance-list.png") });
        }
        catch (Exception e)
        {
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "failure.png") });
                await File.WriteAllTextAsync(Path.Combine(Screenshots, "failure.html"), await page.ContentAsync());
            }
            catch (PlaywrightException) { } // a page in the middle of a navigation has no picture; the log says where it was
            throw log.Explain(page, e);
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        if (!await Within(TimeSpan.FromMinutes(2), condition)) throw new TimeoutException("waited 2 minutes for: " + what);
    }

    /// <summary>Whether <paramref name="condition"/> holds within <paramref name="limit"/> (polled every 250 ms).</summary>
    private static async Task<bool> Within(TimeSpan limit, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(250);
        }
        return true;
    }
}
