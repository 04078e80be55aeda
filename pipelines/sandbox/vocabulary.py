"""Word lists for generated sandbox data.

All names, places and companies are invented or generic. Email addresses and URLs use
the reserved example domains, and phone numbers use ranges set aside for drama and
fiction (UK 07700 900xxx, US 555-01xx), so no generated value reaches a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES = (
    "Aisha",
    "Amelia",
    "Ana",
    "Ben",
    "Carlos",
    "Chloe",
    "Daniel",
    "Dara",
    "Elena",
    "Emeka",
    "Emma",
    "Farah",
    "Finn",
    "Grace",
    "Hannah",
    "Hugo",
    "Ines",
    "Isaac",
    "Jonas",
    "Julia",
    "Kai",
    "Kofi",
    "Lars",
    "Leila",
    "Liam",
    "Lucia",
    "Maya",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Oisin",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sanne",
    "Sofia",
    "Tariq",
    "Theo",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
)
LAST_NAMES = (
    "Adeyemi",
    "Alvarez",
    "Bakker",
    "Becker",
    "Brennan",
    "Byrne",
    "Chen",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Hughes",
    "Ivanova",
    "Jansen",
    "Kaur",
    "Kelly",
    "Kowalski",
    "Lindqvist",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Quinn",
    "Rahman",
    "Rossi",
    "Schmidt",
    "Silva",
    "Smith",
    "Sullivan",
    "Taylor",
    "Van Dijk",
    "Walsh",
    "Weber",
    "Williams",
    "Xu",
    "Yilmaz",
    "Zimmermann",
)
MIDDLE_NAMES = ("Anne", "James", "Louise", "Marie", "Rose", "Thomas", "Wei", "Jose")


@dataclass(frozen=True)
class Country:
    """A country the sandbox generates people and offices in."""

    code: str
    alpha3: str
    name: str
    phone_prefix: str
    phone_digits: int
    currency: str
    locale: str
    towns: tuple[str, ...]
    regions: tuple[str, ...]


COUNTRIES = (
    Country(
        "GB",
        "GBR",
        "United Kingdom",
        "+44 7700 900",
        3,
        "GBP",
        "en",
        ("London", "Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff"),
        ("England", "Scotland", "Wales"),
    ),
    Country(
        "IE",
        "IRL",
        "Ireland",
        "+353 85 555",
        4,
        "EUR",
        "en",
        ("Dublin", "Cork", "Galway", "Limerick"),
        ("Leinster", "Munster", "Connacht"),
    ),
    Country(
        "DE",
        "DEU",
        "Germany",
        "+49 151 5550",
        4,
        "EUR",
        "de",
        ("Berlin", "Hamburg", "Munich", "Cologne"),
        ("Berlin", "Hamburg", "Bavaria"),
    ),
    Country(
        "NL",
        "NLD",
        "Netherlands",
        "+31 6 5550",
        4,
        "EUR",
        "nl",
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"),
        ("North Holland", "South Holland", "Utrecht"),
    ),
    Country(
        "US",
        "USA",
        "United States",
        "+1 415 555 01",
        2,
        "USD",
        "en",
        ("New York", "Austin", "Denver", "Chicago", "Seattle"),
        ("NY", "TX", "CO", "IL", "WA"),
    ),
    Country(
        "FR",
        "FRA",
        "France",
        "+33 6 5555",
        4,
        "EUR",
        "fr",
        ("Paris", "Lyon", "Nantes"),
        ("Ile-de-France", "Auvergne-Rhone-Alpes"),
    ),
    Country(
        "ES",
        "ESP",
        "Spain",
        "+34 655 55",
        4,
        "EUR",
        "es",
        ("Madrid", "Barcelona", "Valencia"),
        ("Madrid", "Catalonia", "Valencia"),
    ),
)
COUNTRY_WEIGHTS = (30, 12, 14, 12, 18, 7, 7)

LOCATIONS = (
    # name, street address, city, province, postal code, country code
    ("London HQ", "14 Harbour Walk", "London", "England", "EC2A 4NE", "GB"),
    ("Leeds Office", "3 Canal Wharf", "Leeds", "England", "LS11 5PS", "GB"),
    ("Dublin Office", "22 Quay Street", "Dublin", "Leinster", "D02 XK27", "IE"),
    ("Berlin Studio", "Lindenweg 8", "Berlin", "Berlin", "10115", "DE"),
    ("Amsterdam Hub", "Keizersgracht 120", "Amsterdam", "North Holland", "1015 CW", "NL"),
    ("New York Office", "200 Hudson Street", "New York", "NY", "10013", "US"),
    ("Austin Office", "901 Congress Avenue", "Austin", "TX", "78701", "US"),
    ("Munich Office", "Sonnenstrasse 15", "Munich", "Bavaria", "80331", "DE"),
)

DEPARTMENTS = (
    "Engineering",
    "Sales",
    "Marketing",
    "Operations",
    "Finance",
    "People",
    "Customer Success",
    "Product",
)

JOB_ROLES = (
    # title, department, base yearly salary in the local currency
    ("Backend Engineer", "Engineering", 70000),
    ("Frontend Engineer", "Engineering", 65000),
    ("Site Reliability Engineer", "Engineering", 80000),
    ("Data Analyst", "Engineering", 55000),
    ("Account Executive", "Sales", 60000),
    ("Sales Development Representative", "Sales", 38000),
    ("Content Marketing Manager", "Marketing", 52000),
    ("Growth Marketer", "Marketing", 50000),
    ("Operations Coordinator", "Operations", 34000),
    ("Warehouse Associate", "Operations", 26000),
    ("Financial Controller", "Finance", 75000),
    ("Payroll Specialist", "Finance", 42000),
    ("Talent Partner", "People", 48000),
    ("People Operations Lead", "People", 58000),
    ("Customer Success Manager", "Customer Success", 47000),
    ("Support Specialist", "Customer Success", 32000),
    ("Product Designer", "Product", 62000),
    ("Product Manager", "Product", 78000),
)
SENIORITIES = ("", "", "Senior ", "Junior ", "Lead ", "Principal ")

TIME_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "America/New_York",
    "America/Chicago",
)

AGENCIES = ("Northbridge Talent", "Bluepeak Recruitment", "Harbourline Search", "Kestrel & Co")

AGENCY_PLACEHOLDER = "<agency>"
"""Stands for a random entry of AGENCIES in CHANNELS."""

# (channel, channel_source, weight); None stands for a value Pinpoint left empty.
CHANNELS = (
    ("job_board", "LinkedIn", 24),
    ("job_board", "Indeed", 14),
    ("job_board", "Glassdoor", 6),
    ("job_board", None, 4),
    ("careers_site", "Careers page", 22),
    ("referral", "Employee referral", 10),
    ("agency", AGENCY_PLACEHOLDER, 6),
    ("api", "Referral portal", 3),
    (None, None, 11),
)

REJECTION_REASONS = (
    "Not enough experience",
    "Salary expectations",
    "Location",
    "Withdrew application",
    "Position filled",
    "Failed assessment",
    "Availability",
)
CANDIDATE_TAGS = (
    ("custom_green", "Silver medallist"),
    ("custom_green", "Relocation"),
    ("custom_green", "Python"),
    ("custom_green", "Bilingual"),
    ("assessment", "Assessment: Passed"),
    ("assessment", "Assessment: Failed"),
    ("custom_green", "Returner"),
)
STREETS = (
    "Station Road",
    "Mill Lane",
    "Church Street",
    "Park Avenue",
    "Harbour View",
    "Hauptstrasse",
    "Kerkstraat",
    "Rue des Lilas",
    "Calle Mayor",
    "Elm Street",
)
INVALID_EMAILS = ("not-an-email", "jane.doe(at)example.com", "missing-domain@", "")

# question_type, title, options (empty for non-choice questions). "legacy_rating" and
# "video_response" stand for types a connector cannot know in advance.
QUESTIONS = (
    ("text", "What is your current notice period?", ()),
    ("long_text", "Why do you want to join us?", ()),
    ("number", "How many years of relevant experience do you have?", ()),
    ("boolean", "Do you have the right to work in this country?", ()),
    ("date", "When could you start?", ()),
    (
        "single_choice",
        "How did you hear about this role?",
        ("LinkedIn", "A friend", "Careers page", "Other"),
    ),
    (
        "multiple_choice",
        "Which languages do you speak fluently?",
        ("English", "German", "Dutch", "French", "Spanish"),
    ),
    ("file", "Please upload a portfolio or work sample.", ()),
    ("information", "Our interview process has three steps.", ()),
    ("single_choice", "Which working pattern do you prefer?", ("Office", "Hybrid", "Remote")),
    ("boolean", "Will you now or in the future require sponsorship?", ()),
    ("legacy_rating", "Rate your SQL skills from 1 to 5.", ()),
    ("video_response", "Record a short introduction.", ()),
)

STAGE_NAMES = {
    "applied": ("Applied", "New applicants", "Application received"),
    "review": ("Screening", "Phone screen", "CV review"),
    "interview": (
        "First interview",
        "Technical interview",
        "Final interview",
        "Panel interview",
        "Assessment centre",
    ),
    "offer": ("Offer", "Offer stage"),
    "hired": ("Hired",),
    "rejected": ("Rejected", "Unsuccessful"),
}
STAGE_EXTERNAL_NAMES = {
    "applied": "Application received",
    "review": "Under review",
    "interview": "Interview",
    "offer": "Offer",
    "hired": "Hired",
    "rejected": "Not progressed",
}

INTERVIEW_SUMMARIES = (
    "Strong communicator; follow up on system design.",
    "Good culture add, limited depth in the core skills.",
    "Recommend moving to the next stage.",
    "Candidate asked about remote work and team size.",
)
CONFERENCING = (
    ("Zoom", "https://zoom.example.com/j/"),
    ("Google Meet", "https://meet.example.com/"),
    ("Microsoft Teams", "https://teams.example.com/l/meetup/"),
    (None, None),
)
COMMENT_TEXTS = (
    "Spoke on the phone; keen and available from next month.",
    "Portfolio reviewed, strong examples of past work.",
    "Asked for a later interview slot.",
    "Salary expectation is above the band; discuss with the hiring manager.",
    "Referred by a former colleague.",
)
