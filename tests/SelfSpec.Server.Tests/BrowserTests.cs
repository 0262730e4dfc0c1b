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
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: install the Debian package 'chromium' (scripts/install-deps.sh test)");
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

    [Fact]
    public async Task The_list_opens_and_the_editor_draws_every_activity_of_self_specialization()
    {
        await using var host = await ServerHost.StartAsync(realPort: true);
        var (playwright, browser, page) = await OpenAsync();
        using var _ = playwright;
        await using var __ = browser;
        var external = new List<string>();
        page.Request += (_, r) => { if (!r.Url.StartsWith(host.BaseUrl, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal)) external.Add(r.Url); };

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
    }
}
