namespace SelfSpec.TestSupport;

/// <summary>The ways a file is damaged on disk in the artifact-verification tests.</summary>
public enum FileDamage
{
    /// <summary>Same size, some bytes in the middle flipped (a disk fault, a bad copy, a careless edit).</summary>
    FlipBytesInPlace,
    /// <summary>Cut to half its length.</summary>
    Truncate,
    /// <summary>Removed.</summary>
    Delete,
}

/// <summary>Applies a <see cref="FileDamage"/> to a file.</summary>
public static class FileDamages
{
    /// <summary>Damages <paramref name="path"/>; <paramref name="bytes"/> is how many bytes a flip changes.</summary>
    public static void Apply(this FileDamage damage, string path, int bytes = 64)
    {
        switch (damage)
        {
            case FileDamage.FlipBytesInPlace:
            {
                var content = File.ReadAllBytes(path);
                var middle = content.Length / 2;
                for (var i = middle; i < Math.Min(content.Length, middle + bytes); i++) content[i] ^= 0xa5;
                File.WriteAllBytes(path, content);
                break;
            }
            case FileDamage.Truncate:
                using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length / 2);
                break;
            default:
                File.Delete(path);
                break;
        }
    }
}
