"""``make grade`` without submissions: grade the fixture batch in a scratch course under build/."""
