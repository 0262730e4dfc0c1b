using System.Text.RegularExpressions;
using Quartz;

namespace SelfSpec.Workflows.Scheduling;

/// <summary>
/// Elsa cron expressions (Cronos: 6 fields, seconds first, UTC; day of week 0–7 with Sunday = 0 or 7) turned
/// into Quartz cron expressions (day of week 1–7 with Sunday = 1, and <c>?</c> in day-of-month or day-of-week).
/// A 5-field expression is read as standard cron with seconds = 0.
/// </summary>
public static partial class CronSchedule
{
    /// <summary>The Quartz form of <paramref name="elsaCron"/>; throws <see cref="FormatException"/> if it is not valid.</summary>
    public static string ToQuartz(string elsaCron)
    {
        var fields = elsaCron.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length == 5) fields = ["0", .. fields];
        if (fields.Length != 6) throw new FormatException($"cron expression '{elsaCron}' must have 6 fields (seconds minutes hours day-of-month month day-of-week)");
        var dom = fields[3];
        var dow = ConvertDayOfWeek(fields[5]);
        if (dom != "?" && dow != "?")
        {
            if (dow == "*") dow = "?";
            else if (dom == "*") dom = "?";
            else throw new FormatException($"cron expression '{elsaCron}': restricting both day-of-month and day-of-week is not supported");
        }
        var quartz = string.Join(' ', fields[0], fields[1], fields[2], dom, fields[4], dow);
        if (!CronExpression.TryParse(quartz, out _)) throw new FormatException($"cron expression '{elsaCron}' is not valid");
        return quartz;
    }

    /// <summary>The next time <paramref name="elsaCron"/> is due strictly after <paramref name="after"/> (UTC); null if never.</summary>
    public static DateTimeOffset? NextAfter(string elsaCron, DateTimeOffset after)
    {
        var expression = new CronExpression(ToQuartz(elsaCron), TimeZoneInfo.Utc);
        return expression.GetNextValidTimeAfter(after);
    }

    private static string ConvertDayOfWeek(string field) =>
        field is "*" or "?" ? field : DayNumber().Replace(field, m => ((int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) % 7) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

    // Day numbers, but not step sizes (the number after '/') or nth-weekday counts (after '#').
    [GeneratedRegex(@"(?<![/#\d])\d+")]
    private static partial Regex DayNumber();
}
