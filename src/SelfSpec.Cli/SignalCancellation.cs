using System.Runtime.InteropServices;
using Spectre.Console;

namespace SelfSpec.Cli;

/// <summary>
/// A token cancelled by Ctrl-C (SIGINT) or SIGTERM as well as by an outer token. The signal is consumed, so a long
/// command stays alive to leave its state resumable (a Cancelled workflow instance, a training checkpoint) instead of
/// being ended by the runtime mid-write. System.CommandLine's own Ctrl-C handling ends the process too early for that.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly string? _notice;

    /// <summary>Starts listening; <paramref name="notice"/> (Spectre markup), if given, is printed on the first signal.</summary>
    public SignalCancellation(CancellationToken token, string? notice = null)
    {
        _notice = notice;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_cts.IsCancellationRequested && _notice != null) AnsiConsole.MarkupLine(_notice);
        _cts.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cts.Dispose();
    }
}
