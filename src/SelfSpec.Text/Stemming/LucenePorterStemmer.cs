namespace SelfSpec.Text.Stemming;

/// <summary>
/// The Porter stemmer exactly as Lucene's <c>org.apache.lucene.analysis.en.PorterStemmer</c> (used by
/// <c>PorterStemFilter</c> in <c>EnglishAnalyzer</c>) behaves: Martin Porter's reference implementation with
/// its two published departures ("bli"→"ble", "logi"→"log"); words of one or two characters are left alone.
/// It works in place on a char buffer so the analyzer can stem without allocating.
/// </summary>
public sealed class LucenePorterStemmer
{
    private char[] _b = new char[64];
    private int _k, _j;

    /// <summary>Stems <paramref name="buffer"/>[0..<paramref name="length"/>) in place and returns the new length
    /// (never longer than the input).</summary>
    public int Stem(char[] buffer, int length)
    {
        if (length <= 2) return length;
        if (_b.Length < length + 8) _b = new char[length + 8];
        Array.Copy(buffer, _b, length);
        _k = length - 1;
        Step1(); Step2(); Step3(); Step4(); Step5(); Step6();
        int newLength = _k + 1;
        Array.Copy(_b, buffer, newLength);
        return newLength;
    }

    /// <summary>Stems one word (convenience overload).</summary>
    public string Stem(string word)
    {
        var buffer = word.ToCharArray();
        if (buffer.Length < word.Length + 8) Array.Resize(ref buffer, word.Length + 8);
        int n = Stem(buffer, word.Length);
        return new string(buffer, 0, n);
    }

    private bool Cons(int i)
    {
        switch (_b[i])
        {
            case 'a': case 'e': case 'i': case 'o': case 'u': return false;
            case 'y': return i == 0 || !Cons(i - 1);
            default: return true;
        }
    }

    // m() measures the number of consonant sequences between 0 and j.
    private int M()
    {
        int n = 0, i = 0;
        while (true)
        {
            if (i > _j) return n;
            if (!Cons(i)) break;
            i++;
        }
        i++;
        while (true)
        {
            while (true)
            {
                if (i > _j) return n;
                if (Cons(i)) break;
                i++;
            }
            i++;
            n++;
            while (true)
            {
                if (i > _j) return n;
                if (!Cons(i)) break;
                i++;
            }
            i++;
        }
    }

    private bool VowelInStem()
    {
        for (int i = 0; i <= _j; i++)
            if (!Cons(i)) return true;
        return false;
    }

    private bool DoubleC(int j) => j >= 1 && _b[j] == _b[j - 1] && Cons(j);

    private bool Cvc(int i)
    {
        if (i < 2 || !Cons(i) || Cons(i - 1) || !Cons(i - 2)) return false;
        char ch = _b[i];
        return ch != 'w' && ch != 'x' && ch != 'y';
    }

    private bool Ends(string s)
    {
        int l = s.Length, o = _k - l + 1;
        if (o < 0) return false;
        for (int i = 0; i < l; i++)
            if (_b[o + i] != s[i]) return false;
        _j = _k - l;
        return true;
    }

    private void SetTo(string s)
    {
        int l = s.Length, o = _j + 1;
        if (_b.Length < o + l) Array.Resize(ref _b, o + l + 8);
        for (int i = 0; i < l; i++) _b[o + i] = s[i];
        _k = _j + l;
    }

    private void R(string s)
    {
        if (M() > 0) SetTo(s);
    }

    // Plurals and -ed/-ing.
    private void Step1()
    {
        if (_b[_k] == 's')
        {
            if (Ends("sses")) _k -= 2;
            else if (Ends("ies")) SetTo("i");
            else if (_b[_k - 1] != 's') _k--;
        }
        if (Ends("eed"))
        {
            if (M() > 0) _k--;
        }
        else if ((Ends("ed") || Ends("ing")) && VowelInStem())
        {
            _k = _j;
            if (Ends("at")) SetTo("ate");
            else if (Ends("bl")) SetTo("ble");
            else if (Ends("iz")) SetTo("ize");
            else if (DoubleC(_k))
            {
                _k--;
                char ch = _b[_k];
                if (ch == 'l' || ch == 's' || ch == 'z') _k++;
            }
            else if (M() == 1 && Cvc(_k)) SetTo("e");
        }
    }

    // Terminal y to i when there is another vowel in the stem.
    private void Step2()
    {
        if (Ends("y") && VowelInStem()) _b[_k] = 'i';
    }

    // Double suffixes to single ones.
    private void Step3()
    {
        if (_k == 0) return;
        switch (_b[_k - 1])
        {
            case 'a':
                if (Ends("ational")) { R("ate"); break; }
                if (Ends("tional")) { R("tion"); break; }
                break;
            case 'c':
                if (Ends("enci")) { R("ence"); break; }
                if (Ends("anci")) { R("ance"); break; }
                break;
            case 'e':
                if (Ends("izer")) { R("ize"); break; }
                break;
            case 'l':
                if (Ends("bli")) { R("ble"); break; }
                if (Ends("alli")) { R("al"); break; }
                if (Ends("entli")) { R("ent"); break; }
                if (Ends("eli")) { R("e"); break; }
                if (Ends("ousli")) { R("ous"); break; }
                break;
            case 'o':
                if (Ends("ization")) { R("ize"); break; }
                if (Ends("ation")) { R("ate"); break; }
                if (Ends("ator")) { R("ate"); break; }
                break;
            case 's':
                if (Ends("alism")) { R("al"); break; }
                if (Ends("iveness")) { R("ive"); break; }
                if (Ends("fulness")) { R("ful"); break; }
                if (Ends("ousness")) { R("ous"); break; }
                break;
            case 't':
                if (Ends("aliti")) { R("al"); break; }
                if (Ends("iviti")) { R("ive"); break; }
                if (Ends("biliti")) { R("ble"); break; }
                break;
            case 'g':
                if (Ends("logi")) { R("log"); break; }
                break;
        }
    }

    // -ic-, -full, -ness etc.
    private void Step4()
    {
        switch (_b[_k])
        {
            case 'e':
                if (Ends("icate")) { R("ic"); break; }
                if (Ends("ative")) { R(""); break; }
                if (Ends("alize")) { R("al"); break; }
                break;
            case 'i':
                if (Ends("iciti")) { R("ic"); break; }
                break;
            case 'l':
                if (Ends("ical")) { R("ic"); break; }
                if (Ends("ful")) { R(""); break; }
                break;
            case 's':
                if (Ends("ness")) { R(""); break; }
                break;
        }
    }

    // -ant, -ence etc. in context <c>vcvc<v>.
    private void Step5()
    {
        if (_k == 0) return;
        switch (_b[_k - 1])
        {
            case 'a': if (Ends("al")) break; return;
            case 'c': if (Ends("ance")) break; if (Ends("ence")) break; return;
            case 'e': if (Ends("er")) break; return;
            case 'i': if (Ends("ic")) break; return;
            case 'l': if (Ends("able")) break; if (Ends("ible")) break; return;
            case 'n': if (Ends("ant")) break; if (Ends("ement")) break; if (Ends("ment")) break; if (Ends("ent")) break; return;
            case 'o': if (Ends("ion") && _j >= 0 && (_b[_j] == 's' || _b[_j] == 't')) break; if (Ends("ou")) break; return;
            case 's': if (Ends("ism")) break; return;
            case 't': if (Ends("ate")) break; if (Ends("iti")) break; return;
            case 'u': if (Ends("ous")) break; return;
            case 'v': if (Ends("ive")) break; return;
            case 'z': if (Ends("ize")) break; return;
            default: return;
        }
        if (M() > 1) _k = _j;
    }

    // Final -e and -ll.
    private void Step6()
    {
        _j = _k;
        if (_b[_k] == 'e')
        {
            int a = M();
            if (a > 1 || (a == 1 && !Cvc(_k - 1))) _k--;
        }
        if (_b[_k] == 'l' && DoubleC(_k) && M() > 1) _k--;
    }
}
