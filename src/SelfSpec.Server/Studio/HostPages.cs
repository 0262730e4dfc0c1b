using System.Net;
using System.Text.Json;

namespace SelfSpec.Server.Studio;

/// <summary>
/// The pages around Studio's custom elements: a header naming the product with links to the definition list and the
/// instance list, the element filling the rest of the window, and the navigation between pages (list → editor,
/// Run → instance, instance → definition). Everything is served locally: no fonts, CDNs or other network calls.
/// </summary>
internal static class HostPages
{
    private static readonly string[] Stylesheets =
    [
        "_content/MudBlazor/MudBlazor.min.css", "_content/CodeBeam.MudBlazor.Extensions/MudExtensions.min.css",
        "_content/Radzen.Blazor/css/material-base.css", "_content/Elsa.Studio.Shell/css/shell.css", "Elsa.Studio.Host.CustomElements.styles.css",
    ];

    /// <summary>Studio's own icon; without one the browser asks for /favicon.ico and logs a 404 on every page.</summary>
    private const string Icon = "_content/Elsa.Studio.Shell/favicon-32x32.png";

    private static readonly string[] Scripts =
    [
        "_content/BlazorMonaco/jsInterop.js", "_content/BlazorMonaco/lib/monaco-editor/min/vs/loader.js",
        "_content/BlazorMonaco/lib/monaco-editor/min/vs/editor/editor.main.js", "_content/MudBlazor/MudBlazor.min.js",
        "_content/CodeBeam.MudBlazor.Extensions/MudExtensions.min.js", "_content/Radzen.Blazor/Radzen.Blazor.js", "_framework/blazor.webassembly.js",
    ];

    /// <summary>A page hosting <paramref name="element"/> with <paramref name="attributes"/>.</summary>
    public static string Render(string title, string element, IReadOnlyDictionary<string, string> attributes, StudioPackage? studio, bool needsKey)
    {
        var config = JsonSerializer.Serialize(new { element, attributes, needsKey });
        var head = string.Concat(Stylesheets.Select(s => $"<link href=\"{s}\" rel=\"stylesheet\">\n"))
            + (studio is null ? "" : $"<link rel=\"icon\" type=\"image/png\" href=\"{Icon}\">\n");
        var scripts = studio is null ? "" : string.Concat(Scripts.Select(s => $"<script src=\"{s}\"></script>\n"));
        var body = studio is null
            ? "<div class=\"selfspec-missing\"><h2>Elsa Studio is not installed</h2><p>Run <code>scripts/fetch-studio.sh</code> (or <code>./selfspec server</code>, which fetches it) and reload this page.</p></div>"
            : "<div id=\"selfspec-host\"></div>";
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1.0"/>
            <title>{{WebUtility.HtmlEncode(title)}} · SelfSpec Workflows</title>
            <base href="/"/>
            {{head}}<style>
            html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; }
            .selfspec-header { display: flex; align-items: center; gap: 1.5rem; height: 44px; padding: 0 1rem; background: #1f2937; color: #f9fafb; box-sizing: border-box; }
            .selfspec-header a { color: #f9fafb; text-decoration: none; }
            .selfspec-header a.active { border-bottom: 2px solid #60a5fa; }
            .selfspec-header .brand { font-weight: 600; font-size: 1.05rem; }
            .selfspec-header .studio { margin-left: auto; font-size: .8rem; color: #9ca3af; }
            #selfspec-host { height: calc(100vh - 44px); overflow: auto; }
            #selfspec-host > * { display: block; height: 100%; }
            .selfspec-missing, .selfspec-key { padding: 2rem; }
            #blazor-error-ui { display: none; position: fixed; bottom: 0; width: 100%; padding: .5rem 1rem; background: #fee2e2; z-index: 1000; }
            </style>
            </head>
            <body>
            <header class="selfspec-header">
              <a class="brand" href="/">SelfSpec Workflows</a>
              <a href="/" class="{{(element == "elsa-workflow-definition-list" ? "active" : "")}}">Workflow definitions</a>
              <a href="/instances" class="{{(element == "elsa-workflow-instance-list" ? "active" : "")}}">Workflow instances</a>
              <span class="studio">{{WebUtility.HtmlEncode(studio is null ? "Elsa Studio not installed" : "Elsa Studio " + studio.Version)}}</span>
            </header>
            {{body}}
            <div id="blazor-error-ui">An unhandled error has occurred. <a href="" class="reload">Reload</a> <a class="dismiss">✕</a></div>
            <script>
            (function () {
              const config = {{config}};
              const host = document.getElementById('selfspec-host');
              if (!host) return;
              let key = new URLSearchParams(location.search).get('key') || sessionStorage.getItem('selfspec-api-key');
              if (key) sessionStorage.setItem('selfspec-api-key', key);
              if (config.needsKey && !key) {
                host.innerHTML = '<form class="selfspec-key"><p>This server requires its API key.</p><input type="password" name="key" placeholder="API key" autofocus> <button>Open</button></form>';
                host.querySelector('form').onsubmit = e => { e.preventDefault(); sessionStorage.setItem('selfspec-api-key', e.target.key.value); location.reload(); };
                return;
              }
              const el = document.createElement(config.element);
              el.setAttribute('remote-endpoint', location.origin + '/elsa/api');
              if (config.needsKey) el.setAttribute('api-key', key);
              for (const [name, value] of Object.entries(config.attributes)) el.setAttribute(name, value);
              host.appendChild(el);
              const go = path => id => { location.href = path + encodeURIComponent(id); };
              // Studio navigates inside its own router after Run and from the viewer (the address changes, the page
              // does not): map those routes onto our pages — an instance route opens /instances/{id}, a definition
              // route /designer/{id}. Watching the address catches every way the router changes it.
              const ownPath = location.pathname;
              setInterval(() => {
                const path = location.pathname;
                if (path === ownPath) return;
                const m = path.match(/\/instances\/([A-Za-z0-9_.-]+)/) || path.match(/\/definitions\/([A-Za-z0-9_.-]+)/);
                if (!m) return;
                const target = (path.includes('/instances/') ? '/instances/' : '/designer/') + m[1];
                if (target === ownPath) history.replaceState(history.state, '', ownPath); else location.replace(target);
              }, 250);
              customElements.whenDefined(config.element).then(() => {
                el.editWorkflowDefinition = go('/designer/');
                el.workflowDefinitionExecuted = go('/instances/');
                el.viewWorkflowInstance = go('/instances/');
              });
            })();
            </script>
            {{scripts}}</body>
            </html>
            """;
    }
}
