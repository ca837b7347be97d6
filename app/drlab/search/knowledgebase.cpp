#include "knowledgebase.h"

#include <QDateTime>
#include <QJsonArray>

#include <iterator>

namespace drlab {

namespace {

// Each context set pairs a phrase slotted into the question with a note appended to the
// answer, so that a contextual question gets a contextual answer.
enum ContextSet { Device, People, Office, Money };

struct Context
{
    const char *phrase;
    const char *note;
};

const Context kDeviceContexts[] = {
    { "", "" },
    { " on my Mac",
        " On a Mac, use the Self Service app (Applications > Self Service) for the same steps." },
    { " on my Windows laptop",
        " On a Windows laptop, the Company Portal app in the Start menu offers the same option." },
    { " from my phone",
        " From a phone, use the IT Help app for iOS or Android; some steps only work on a managed "
        "device." },
    { " while working from home",
        " From home, connect to the VPN first if a company page does not load; everything else "
        "works the same." },
    { " while travelling abroad",
        " Abroad, expect an extra verification prompt at sign-in; if you travel to a restricted "
        "country, call the Service Desk before you leave." },
    { " as a new starter",
        " New starters get this set up in the first-day IT induction; if you missed it, book a "
        "slot in the IT Help portal." },
    { " as a contractor",
        " Contractors need their sponsoring manager to approve the request in the IT Help portal "
        "first." },
};

const Context kPeopleContexts[] = {
    { "", "" },
    { " as a part-time employee",
        " For part-time employees, entitlements are pro-rated to contracted hours." },
    { " as a contractor",
        " Contractors are not covered by this policy; check your agency agreement or ask your "
        "sponsoring manager." },
    { " during my probation period",
        " During probation the same rules apply; agree anything unusual with your manager in "
        "advance." },
    { " in Germany",
        " In Germany, the local works agreement adds some rules; the HR Portal shows the German "
        "version of the policy." },
    { " in the UK",
        " In the UK, statutory rules apply as a minimum; the HR Portal shows the UK addendum." },
    { " in the US",
        " In the US, state law may add requirements; the HR Portal shows the policy for your "
        "state." },
    { " as a manager",
        " As a manager, you approve these requests for your team in the HR Portal under My Team > "
        "Approvals." },
};

const Context kOfficeContexts[] = {
    { "", "" },
    { " in the London office",
        " In London, the reception desk on the ground floor handles this from 8:00 to 18:00." },
    { " in the Berlin office",
        " In Berlin, contact the front desk on the 2nd floor or "
        "facilities-berlin@contoso.example." },
    { " in the Singapore office",
        " In Singapore, the office manager on level 12 handles this; local building rules apply." },
    { " in the New York office",
        " In New York, building security in the lobby issues passes; bring photo ID." },
    { " as a visitor",
        " Visitors must be registered by their host in the Visitor app at least one day before "
        "arriving." },
    { " outside office hours", " Outside office hours, call building security on extension 2222." },
    { " as a new starter",
        " New starters are walked through this on their first day by the office manager." },
};

const Context kMoneyContexts[] = {
    { "", "" },
    { " in euros",
        " Claims in euros are paid in euros into a euro account, or converted at the month-end "
        "company rate." },
    { " for a client project",
        " For client projects, add the project code so the cost can be recharged to the client." },
    { " as a contractor",
        " Contractors invoice through their agency and cannot use the company expense system." },
    { " for a team event",
        " Team events need the budget holder's approval before you book; the limit is 60 per "
        "person." },
    { " when travelling abroad",
        " Abroad, keep itemised receipts; card statements alone are not accepted as proof." },
    { " as a manager",
        " As a manager, you approve your team's claims in the Expenses app within five working "
        "days." },
    { " after the deadline",
        " Claims older than 90 days need written approval from your director." },
};

struct Topic
{
    const char *category;
    ContextSet contexts;
    const char *questions[4]; // "%1" marks where the context phrase goes
    const char *answer;
};

const Topic kTopics[] = {
    // IT Support
    { "IT Support", Device,
        { "How do I reset my password%1?", "I forgot my password%1. What should I do?",
            "Can I change my own password%1?", "My password expired%1, how do I set a new one?" },
        "Go to the self-service password reset page at passwordreset.contoso.example, enter your "
        "work email and verify with "
        "your registered phone or authenticator app, then choose a new password of at least 14 "
        "characters. The new password "
        "works everywhere within 15 minutes." },
    { "IT Support", Device,
        { "My account is locked%1. How do I unlock it?", "Why is my account locked out%1?",
            "How do I unlock my account after too many wrong passwords%1?",
            "Who can unlock my account%1?" },
        "Accounts lock for 30 minutes after 10 failed sign-ins. Wait 30 minutes, or unlock it at "
        "once on the self-service "
        "password reset page by choosing 'I know my password, but still can't sign in'. If it "
        "locks again, a device is "
        "still using an old password: update it on your phone's mail app first." },
    { "IT Support", Device,
        { "How do I connect to the VPN%1?", "How do I set up the VPN%1?",
            "Which VPN client do I use%1?",
            "How do I get remote access to the company network%1?" },
        "Install GlobalProtect from the Company Portal (Windows) or Self Service (Mac), then "
        "connect to vpn.contoso.example "
        "and sign in with your work account and MFA. The VPN is only needed for internal sites; "
        "Microsoft 365 works without it." },
    { "IT Support", Device,
        { "The VPN keeps disconnecting%1. What can I do?", "Why does my VPN connection drop%1?",
            "VPN says gateway not responding%1", "I cannot connect to the VPN%1" },
        "Check that you are on a stable network, then quit and reopen GlobalProtect and choose the "
        "nearest gateway. Drops "
        "are often caused by hotel or guest Wi-Fi blocking UDP: switch to the 'SSL fallback' "
        "gateway. If it still fails, "
        "send the GlobalProtect logs to the Service Desk (Settings > Troubleshooting > Collect "
        "Logs)." },
    { "IT Support", Device,
        { "How do I set up multi-factor authentication%1?",
            "How do I register the authenticator app%1?", "How do I set up MFA%1?",
            "Where do I add a new phone for MFA%1?" },
        "Go to mysignins.contoso.example > Security info, choose 'Add sign-in method' and follow "
        "the steps for Microsoft "
        "Authenticator. Register a second method (a phone number) as a backup so you are never "
        "locked out." },
    { "IT Support", Device,
        { "I got a new phone%1. How do I move my authenticator?",
            "I lost my phone with the authenticator app%1", "How do I reset MFA%1?",
            "My MFA codes are not accepted%1" },
        "If you still have the old phone, add the new one under Security info before wiping the "
        "old one. If the phone is "
        "lost, call the Service Desk: after verifying your identity they reset your MFA "
        "registration and you register again "
        "at your next sign-in. Report a lost company phone as a security incident too." },
    { "IT Support", Device,
        { "How do I set up email%1?", "How do I add my work email%1?", "How do I access Outlook%1?",
            "Can I read work email on my personal device%1?" },
        "Use Outlook (desktop or mobile) and sign in with your work email; it configures itself. "
        "On personal phones, only "
        "the Outlook app is allowed, and it asks you to accept the company's app protection "
        "policy. Webmail is at "
        "outlook.office.com." },
    { "IT Support", Device,
        { "My mailbox is full%1. How do I get more space?", "How do I archive old emails%1?",
            "How do I increase my mailbox size%1?",
            "Why can't I send email because my mailbox is full%1?" },
        "Mailboxes hold 50 GB plus an unlimited online archive. Turn on archiving in Outlook (File "
        "> Tools > Mailbox "
        "Cleanup), empty Deleted Items, and move large attachments to OneDrive. Mail older than "
        "two years moves to the "
        "archive automatically." },
    { "IT Support", Device,
        { "How do I install software%1?", "How do I request a new application%1?",
            "Can I install software myself%1?", "Where do I find approved software%1?" },
        "Approved software installs in one click from the Company Portal (Windows) or Self Service "
        "(Mac). Anything else "
        "needs a software request in the IT Help portal; security reviews new applications within "
        "five working days." },
    { "IT Support", Device,
        { "How do I get admin rights%1?", "Can I get local administrator access%1?",
            "How do I request elevated privileges%1?", "Why can't I install drivers%1?" },
        "Standard laptops do not have permanent admin rights. Use the Admin By Request tool to get "
        "admin rights for 60 "
        "minutes after giving a reason; developers can request a developer workstation profile "
        "through their manager." },
    { "IT Support", Device,
        { "My laptop is slow%1. What can I do?", "How do I speed up my laptop%1?",
            "My computer keeps freezing%1", "Why is my laptop running out of disk space%1?" },
        "Restart the laptop (it applies pending updates), close unused browser tabs and check free "
        "disk space; OneDrive "
        "'Free up space' helps. If it stays slow, run the Health Check in the Company Portal and "
        "open a ticket with its "
        "report attached." },
    { "IT Support", Device,
        { "How do I get a new laptop%1?", "When is my laptop due for replacement%1?",
            "How do I request new hardware%1?", "Can I get a second monitor%1?" },
        "Laptops are replaced every four years; the IT Help portal shows your device's refresh "
        "date. Other hardware "
        "(monitors, docks, headsets) is requested in the IT Help portal catalogue with your "
        "manager's approval." },
    { "IT Support", Device,
        { "How do I connect to the office Wi-Fi%1?", "What is the wifi password%1?",
            "Which Wi-Fi network should I use%1?", "How do I get guest Wi-Fi for a visitor%1?" },
        "Company devices join the 'Contoso-Corp' wifi automatically with your certificate; there "
        "is no password. Personal devices "
        "use 'Contoso-Guest', whose daily code is shown on the reception screens. Visitors get a "
        "code from reception." },
    { "IT Support", Device,
        { "How do I add a printer%1?", "How do I print in the office%1?", "My print job is stuck%1",
            "How do I scan a document to email%1?" },
        "All office printers use follow-me printing: print to 'Contoso-Print', then tap your badge "
        "on any printer to release "
        "the job. Jobs wait 24 hours. To scan, tap your badge and choose 'Scan to me'; the PDF "
        "arrives by email." },
    { "IT Support", Device,
        { "How do I share files with an external partner%1?", "How do I share a OneDrive folder%1?",
            "Can I use Dropbox or Google Drive%1?", "How do I send a large file%1?" },
        "Share from OneDrive or a Teams channel with 'Specific people' and their email address; "
        "links expire after 30 days. "
        "Personal cloud storage such as Dropbox or Google Drive is blocked for company data." },
    { "IT Support", Device,
        { "How do I recover a deleted file%1?", "I deleted a file by mistake%1",
            "How do I restore a previous version of a document%1?", "Is my data backed up%1?" },
        "Deleted files stay in the OneDrive or SharePoint recycle bin for 93 days: open the "
        "recycle bin in the web view and "
        "restore. For an older version, right-click the file and choose Version history. Files "
        "kept only on the laptop's "
        "local disk are not backed up." },
    { "IT Support", Device,
        { "How do I set up Microsoft Teams%1?", "My Teams audio is not working%1",
            "How do I join a Teams meeting%1?", "How do I create a team in Microsoft Teams%1?" },
        "Teams is installed on every company device; sign in with your work account. For audio "
        "problems, check the device "
        "settings in Teams (Settings > Devices) and make a test call. New teams are requested in "
        "the IT Help portal so they "
        "get an owner and a retention policy." },
    { "IT Support", Device,
        { "How do I contact the IT Service Desk%1?",
            "What are the IT Service Desk opening hours%1?", "How do I open an IT ticket%1?",
            "How do I check the status of my IT ticket%1?" },
        "The IT Service Desk answers 24/7 on extension 4357 (+44 20 7946 4357 from outside) and in "
        "the IT Help portal, where "
        "you can also follow your tickets. Urgent outages affecting many people are best reported "
        "by phone." },
    { "IT Support", Device,
        { "How do I encrypt my laptop%1?", "Is my laptop disk encrypted%1?",
            "I need my BitLocker recovery key%1", "My Mac asks for a FileVault key%1" },
        "Company laptops are encrypted automatically (BitLocker or FileVault). If the laptop asks "
        "for a recovery key, sign in "
        "to the IT Help portal from another device, open 'My devices' and show the key; the "
        "Service Desk can read it to you "
        "after verifying your identity." },
    { "IT Support", Device,
        { "How do I update my laptop%1?", "When are security updates installed%1?",
            "Why does my laptop want to restart%1?", "How do I update macOS%1?" },
        "Security updates install automatically and need a restart within 5 days; after that the "
        "restart is forced outside "
        "working hours. You can restart earlier from the notification. Major macOS upgrades are "
        "offered in Self Service once "
        "tested." },
    { "IT Support", Device,
        { "How do I get access to a shared mailbox%1?",
            "How do I request access to a SharePoint site%1?",
            "How do I get access to a shared drive%1?", "Who approves my access request%1?" },
        "Request access in the IT Help portal under 'Access requests' and pick the mailbox, site "
        "or folder. The owner of the "
        "resource approves it; access is usually granted within an hour of approval and reviewed "
        "every six months." },
    { "IT Support", Device,
        { "How do I set up a headset or webcam%1?", "My webcam is not detected%1",
            "Which headsets are supported%1?", "My microphone is not working in meetings%1" },
        "Supported headsets and webcams are listed in the IT Help portal catalogue and work "
        "without drivers. If a device is "
        "not detected, try another USB port, then check the privacy settings that allow apps to "
        "use the camera and "
        "microphone." },
    // Security
    { "Security", Device,
        { "How do I report a phishing email%1?", "I think I received a phishing email%1",
            "What should I do with a suspicious email%1?",
            "I clicked a link in a phishing email%1" },
        "Use the 'Report phishing' button in Outlook; it sends the message to the Security team "
        "and removes it from your "
        "inbox. If you clicked a link or entered your password, reset your password at once and "
        "call the Service Desk: fast "
        "reporting limits the damage." },
    { "Security", Device,
        { "How do I report a lost or stolen laptop%1?", "I lost my work phone%1",
            "My laptop was stolen%1", "What do I do if I lose my badge and laptop%1?" },
        "Report it immediately to the Service Desk (24/7, extension 4357) so the device can be "
        "locked and wiped remotely, "
        "and report theft to the police for a crime reference. You will not be blamed for "
        "reporting quickly." },
    { "Security", Device,
        { "How do I classify a document%1?", "What do the sensitivity labels mean%1?",
            "How do I mark a document as confidential%1?",
            "Which label should I use for customer data%1?" },
        "Use the Sensitivity button in Office: Public, Internal, Confidential or Highly "
        "Confidential. Customer personal data "
        "is at least Confidential, which encrypts the file and blocks sharing outside the company "
        "without a business reason." },
    { "Security", Device,
        { "Can I use a USB stick%1?", "Why is my USB drive blocked%1?",
            "How do I transfer files with a USB drive%1?", "Are external hard drives allowed%1?" },
        "USB storage is read-only on company laptops; writing to it needs an exception approved by "
        "Security. Use OneDrive or "
        "Teams to move files instead, which keeps them encrypted and auditable." },
    { "Security", Device,
        { "How do I report a security incident%1?", "Who do I contact about a data breach%1?",
            "I sent an email to the wrong person%1",
            "How do I report suspicious activity on my account%1?" },
        "Report it straight away to security@contoso.example or the Service Desk. For an email "
        "sent to the wrong person, try "
        "to recall it, ask the recipient to delete it, and report it anyway: the privacy team "
        "decides whether it must be "
        "notified within 72 hours." },
    { "Security", Device,
        { "Can I use a password manager%1?", "Which password manager is approved%1?",
            "How do I store shared passwords%1?", "Can I save passwords in my browser%1?" },
        "Use the company's Keeper password manager, available in the Company Portal and Self "
        "Service; shared team passwords "
        "belong in a shared Keeper folder. Saving work passwords in a personal browser profile is "
        "not allowed." },
    { "Security", Device,
        { "What are the password rules%1?", "How long does my password need to be%1?",
            "How often do I need to change my password%1?", "Why was my new password rejected%1?" },
        "Passwords need at least 14 characters and must not contain your name or appear in the "
        "list of breached passwords. "
        "There is no forced change every few months; you only change it when asked after a "
        "suspected compromise. A "
        "passphrase of four random words works well." },
    // HR
    { "HR", People,
        { "How many days of annual leave do I get%1?", "What is my holiday entitlement%1?",
            "How do I check my remaining leave%1?", "How much vacation do I have left%1?" },
        "Full-time employees get 25 days of annual leave plus public holidays, rising by one day "
        "per year of service up to 30 "
        "days. Your balance is shown in the HR Portal under Time Off." },
    { "HR", People,
        { "How do I request annual leave%1?", "How do I book a holiday%1?",
            "How far in advance do I need to book leave%1?", "How do I cancel approved leave%1?" },
        "Request leave in the HR Portal under Time Off > Request; your manager is notified and "
        "approves it there. Give at "
        "least twice as much notice as the length of the leave. Approved leave can be cancelled in "
        "the same place until the "
        "day before it starts." },
    { "HR", People,
        { "Can I carry over unused leave%1?",
            "What happens to my untaken holiday at the end of the year%1?",
            "Can I sell back annual leave%1?", "Do I lose my leave if I don't use it%1?" },
        "Up to five unused days carry over into the first quarter of the next year and expire on "
        "31 March. More than five "
        "days need HR approval, usually only after long sick leave or parental leave. Leave cannot "
        "be sold back." },
    { "HR", People,
        { "How do I report sick leave%1?", "I am sick today%1. What do I do?",
            "Do I need a doctor's note%1?", "How many sick days do I get%1?" },
        "Tell your manager before your usual start time and record the absence in the HR Portal "
        "under Time Off > Sickness. "
        "For more than seven calendar days, upload a doctor's note. Company sick pay covers up to "
        "20 days a year at full pay." },
    { "HR", People,
        { "What is the parental leave policy%1?", "How much maternity leave do I get%1?",
            "How much paternity leave do I get%1?", "How do I apply for parental leave%1?" },
        "Birth parents get 26 weeks at full pay and partners get 8 weeks at full pay, taken within "
        "a year of the birth or "
        "adoption. Tell HR at least 15 weeks before the due date through the HR Portal's Life "
        "Events > New child form." },
    { "HR", People,
        { "Can I work from home%1?", "What is the hybrid working policy%1?",
            "How many days do I need to be in the office%1?",
            "Can I work remotely from another country%1?" },
        "Most roles are hybrid with at least two office days a week, agreed within your team. "
        "Working from another country "
        "for more than 10 days a year needs HR approval in advance because of tax and immigration "
        "rules." },
    { "HR", People,
        { "How do I request flexible working hours%1?", "Can I work part-time%1?",
            "How do I apply for a compressed work week%1?", "Can I change my working hours%1?" },
        "Submit a flexible working request in the HR Portal under My Job > Flexible Working. Your "
        "manager must reply within "
        "four weeks and discuss it with you; a refusal must give a business reason and can be "
        "appealed to HR." },
    { "HR", People,
        { "How does the performance review work%1?", "When is my performance review%1?",
            "How do I set my objectives%1?", "How do I give feedback to a colleague%1?" },
        "Objectives are set in January and reviewed mid-year and in December in the HR Portal "
        "under Performance. Ask "
        "colleagues for feedback there at any time; your manager sees it when writing your "
        "review." },
    { "HR", People,
        { "How do I apply for an internal job%1?", "Where can I see internal vacancies%1?",
            "Can I move to another team%1?",
            "Do I need to tell my manager before applying internally%1?" },
        "Internal vacancies are on the Careers page of the HR Portal a week before they go public. "
        "You can apply after 12 "
        "months in your role; tell your manager when you apply, as they are asked for a "
        "reference." },
    { "HR", People,
        { "How do I update my personal details%1?", "How do I change my address%1?",
            "How do I change my bank details%1?", "How do I update my emergency contact%1?" },
        "Update your address, bank details and emergency contacts yourself in the HR Portal under "
        "My Profile. Bank details "
        "changed after the 15th apply from the following month's payroll." },
    { "HR", People,
        { "How do I resign%1?", "What is my notice period%1?", "How do I hand in my notice%1?",
            "What happens on my last day%1?" },
        "Give written notice to your manager and submit it in the HR Portal under My Job > Resign; "
        "the notice period is in "
        "your contract (usually one month, three for managers). On your last day, return your "
        "laptop and badge to IT and "
        "reception." },
    { "HR", People,
        { "What training courses are available%1?", "How do I book a training course%1?",
            "Is there a training budget%1?", "How do I get a certification paid for%1?" },
        "Browse and book courses in the Learning Hub; most online courses need no approval. Each "
        "employee has a training "
        "budget of 1,500 a year for external courses and certifications, approved by your "
        "manager." },
    { "HR", People,
        { "How do I refer a friend for a job%1?", "Is there a referral bonus%1?",
            "How does the employee referral programme work%1?",
            "When is the referral bonus paid%1?" },
        "Submit the referral in the HR Portal under Careers > Refer a Friend with their CV. If "
        "they are hired, you receive a "
        "bonus of 2,000 after they pass probation, paid with the next payroll." },
    { "HR", People,
        { "What is the code of conduct%1?", "How do I report harassment%1?",
            "How do I raise a grievance%1?", "Is there an anonymous whistleblowing line%1?" },
        "The code of conduct is in the HR Portal under Policies. Raise concerns with your manager, "
        "HR or the confidential "
        "Speak Up line (online or by phone, anonymous if you prefer). Retaliation against anyone "
        "who speaks up is a "
        "disciplinary offence." },
    { "HR", People,
        { "What should I do on my first day%1?", "How does onboarding work%1?",
            "Who is my onboarding buddy%1?", "What do I need to bring on my first day%1?" },
        "On your first day, bring photo ID for your badge; your manager meets you at reception at "
        "9:30. Your onboarding plan "
        "and buddy are in the HR Portal under My Onboarding, with the IT induction booked for the "
        "first morning." },
    { "HR", People,
        { "How do I request a reference letter%1?",
            "How do I get an employment verification letter%1?",
            "Can HR confirm my salary for a mortgage%1?",
            "How do I get a certificate of employment%1?" },
        "Request letters in the HR Portal under Documents > Request a letter; standard letters are "
        "generated at once, "
        "letters confirming salary for a mortgage or rental take two working days." },
    { "HR", People,
        { "How much bereavement leave do I get%1?", "Can I take time off for a family emergency%1?",
            "Is there compassionate leave%1?",
            "How do I take leave to care for a family member%1?" },
        "You can take up to 10 days of paid compassionate leave for the death or serious illness "
        "of a close family member, "
        "and up to 5 days of emergency leave a year for dependants. Tell your manager and record "
        "it in the HR Portal." },
    { "HR", People,
        { "Can I take unpaid leave or a sabbatical%1?", "How do I apply for a sabbatical%1?",
            "How long can unpaid leave last%1?", "Who approves a career break%1?" },
        "After three years of service you can request a sabbatical of one to six months, unpaid, "
        "approved by your manager "
        "and HR. Shorter unpaid leave of up to four weeks is agreed with your manager in the HR "
        "Portal." },
    { "HR", People,
        { "How do I get time off for volunteering%1?", "Is there volunteering leave%1?",
            "Can I volunteer during work hours%1?", "How many volunteering days do I get%1?" },
        "Everyone gets two paid volunteering days a year for registered charities. Book them in "
        "the HR Portal under Time Off "
        "> Volunteering, agreed with your manager like annual leave." },
    // Payroll & Benefits
    { "Payroll & Benefits", People,
        { "When is payday%1?", "When do I get paid%1?", "Where can I see my payslip%1?",
            "How do I download my payslip%1?" },
        "Salaries are paid on the 25th of each month, or the last working day before it. Payslips "
        "are in the HR Portal under "
        "Pay > Payslips two days before payday and can be downloaded as PDF." },
    { "Payroll & Benefits", People,
        { "My salary is wrong%1. Who do I contact?", "I was paid the wrong amount%1",
            "Why is my pay lower this month%1?", "How do I query my payslip%1?" },
        "Open a payroll query in the HR Portal under Pay > Ask Payroll with the payslip attached. "
        "Payroll replies within two "
        "working days; underpayments are corrected by an off-cycle payment within a week." },
    { "Payroll & Benefits", People,
        { "How does the pension scheme work%1?",
            "How much does the company contribute to my pension%1?",
            "How do I change my pension contributions%1?", "How do I join the retirement plan%1?" },
        "You are enrolled automatically; the company pays 6% of salary when you contribute at "
        "least 4%. Change your "
        "contribution or investment choices in the pension provider's portal, linked from the HR "
        "Portal under Benefits." },
    { "Payroll & Benefits", People,
        { "What health insurance do we have%1?", "How do I add my family to health insurance%1?",
            "How do I make a health insurance claim%1?", "Is dental care covered%1?" },
        "Private medical insurance covers you from day one; partners and children can be added at "
        "a discount during the "
        "annual benefits window or within 30 days of a life event. Claims go through the insurer's "
        "app; dental is an "
        "optional add-on." },
    { "Payroll & Benefits", People,
        { "How do I get my tax forms%1?", "Where is my annual tax statement%1?",
            "How do I change my tax code%1?", "When do I receive my year-end tax document%1?" },
        "Annual tax documents are published in the HR Portal under Pay > Tax documents within the "
        "legal deadline for your "
        "country. Tax codes and allowances are set by the tax authority; send Payroll the notice "
        "if it changes." },
    { "Payroll & Benefits", People,
        { "How does the annual bonus work%1?", "When is the bonus paid%1?",
            "Am I eligible for a bonus%1?", "How is my bonus calculated%1?" },
        "The annual bonus depends on company results and your performance rating, and is paid with "
        "the March salary to "
        "everyone employed on 31 December who is not under notice. Your target percentage is in "
        "your contract." },
    { "Payroll & Benefits", People,
        { "What employee benefits do we have%1?", "Is there a gym membership discount%1?",
            "How do I use the employee discount%1?", "Do we get a wellbeing allowance%1?" },
        "Benefits include a 500 yearly wellbeing allowance (gym, sports, mental health apps), "
        "discounted public transport "
        "passes and an employee discount platform. All are listed and claimed in the HR Portal "
        "under Benefits." },
    { "Payroll & Benefits", People,
        { "Is there an employee assistance programme%1?", "Who can I talk to about stress%1?",
            "Is counselling available for employees%1?",
            "How do I access mental health support%1?" },
        "The Employee Assistance Programme offers free, confidential counselling 24/7 by phone or "
        "video, for you and your "
        "household; the number is in the HR Portal under Wellbeing. Nothing you share is reported "
        "to the company." },
    // Finance & Expenses
    { "Finance & Expenses", Money,
        { "How do I submit an expense claim%1?", "How do I claim expenses%1?",
            "How do I get reimbursed%1?", "How do I submit an expense report%1?" },
        "Photograph the receipt in the Expenses app, choose the category and submit the claim; "
        "your manager approves it and "
        "it is paid with the next payroll run after approval. Claims must be submitted within 90 "
        "days." },
    { "Finance & Expenses", Money,
        { "What can I expense%1?", "Is a meal expense allowed%1?",
            "What is the daily meal allowance%1?", "Can I expense alcohol%1?" },
        "Reasonable costs of business travel and client work can be claimed: transport, hotels, "
        "and meals up to 50 a day "
        "when travelling. Alcohol is only claimable at client entertainment approved in advance; "
        "personal items never are." },
    { "Finance & Expenses", Money,
        { "How do I get a corporate credit card%1?", "How do I apply for a company card%1?",
            "My corporate card was declined%1", "How do I reconcile my corporate card%1?" },
        "Frequent travellers can request a corporate card in the Expenses app with manager "
        "approval. Card transactions "
        "appear in the app within two days; attach a receipt to each one by the 5th of the "
        "following month." },
    { "Finance & Expenses", Money,
        { "How do I raise a purchase order%1?", "How do I buy something for my team%1?",
            "Who approves a purchase request%1?", "How do I pay a supplier invoice%1?" },
        "Raise a purchase requisition in the Procurement portal before ordering; it becomes a "
        "purchase order once your budget "
        "holder approves it. Suppliers must quote the PO number on their invoice, which Accounts "
        "Payable pays in 30 days." },
    { "Finance & Expenses", Money,
        { "How do I add a new supplier%1?", "How do I onboard a vendor%1?",
            "Who checks new suppliers%1?", "How long does supplier setup take%1?" },
        "Send the supplier the onboarding link from the Procurement portal; they enter their own "
        "bank and tax details, which "
        "Finance verifies by phone. Setup takes about five working days and is needed before the "
        "first order." },
    { "Finance & Expenses", Money,
        { "What is the mileage rate%1?", "How do I claim mileage%1?",
            "Can I claim fuel for my own car%1?", "How do I claim travel by private car%1?" },
        "Business journeys in your own car are claimed per kilometre in the Expenses app (0.30 per "
        "km, or the local "
        "statutory rate); commuting to your usual office is not claimable. Enter start, "
        "destination and purpose." },
    { "Finance & Expenses", Money,
        { "How do I get a cash advance%1?", "Can I get money before a business trip%1?",
            "How do I request a travel advance%1?", "How do I return unused advance money%1?" },
        "Cash advances are only for trips longer than two weeks to places where cards are not "
        "accepted. Request one in the "
        "Expenses app at least ten days before travelling and settle it within 30 days of your "
        "return." },
    { "Finance & Expenses", Money,
        { "What is the gift and hospitality policy%1?", "Can I accept a gift from a supplier%1?",
            "How do I register a gift%1?", "Can I take a client to dinner%1?" },
        "Gifts or hospitality worth more than 100 must be registered in the Compliance portal, and "
        "anything offered during "
        "a tender must be declined. Client dinners are fine when they have a clear business "
        "purpose and are approved in "
        "advance." },
    // Travel
    { "Travel", Money,
        { "How do I book business travel%1?", "How do I book a flight for work%1?",
            "Which travel agency do we use%1?", "Who approves my business trip%1?" },
        "Book flights, trains and hotels in the Travel portal; trips are approved by your manager "
        "before tickets are issued. "
        "Book at least 14 days ahead where possible, as the cheapest fares expire first." },
    { "Travel", Money,
        { "Can I fly business class%1?", "What is the travel class policy%1?",
            "Can I upgrade my flight%1?", "Which hotels can I book%1?" },
        "Economy is the rule; premium economy is allowed for flights over 6 hours and business "
        "class over 10 hours. Hotels "
        "are booked within the city rate shown in the Travel portal. Upgrades at your own cost are "
        "fine." },
    { "Travel", Money,
        { "Do I need travel insurance%1?", "What does the business travel insurance cover%1?",
            "What do I do if I get ill abroad%1?",
            "Who do I call in an emergency while travelling%1?" },
        "Business trips are insured automatically, including medical care and repatriation; the "
        "insurance card is in the "
        "Travel portal. In an emergency, call the 24/7 travel assistance number on the card before "
        "paying for treatment." },
    { "Travel", Money,
        { "Do I need a visa for a business trip%1?", "How do I get a visa invitation letter%1?",
            "Who helps with work permits%1?", "How long does a business visa take%1?" },
        "Check the visa requirement in the Travel portal when you book; it warns you about visas "
        "and vaccinations. Request an "
        "invitation letter from the Mobility team at least six weeks before the trip." },
    { "Travel", Money,
        { "How do I change or cancel a booked trip%1?", "My flight was cancelled%1",
            "How do I change my hotel booking%1?", "Who pays if my trip is cancelled%1?" },
        "Change or cancel bookings in the Travel portal or call the travel agency's 24/7 line "
        "printed on your itinerary. "
        "Cancellation costs for business reasons are charged to your team; personal reasons may be "
        "charged to you." },
    // Facilities
    { "Facilities", Office,
        { "How do I book a desk%1?", "How do I reserve a meeting room%1?",
            "How do I book a parking space%1?", "Can I book a desk for a colleague%1?" },
        "Book desks, meeting rooms and parking in the Workplace app up to two weeks ahead; check "
        "in on the day within an "
        "hour or the booking is released. Rooms can also be booked from an Outlook meeting "
        "invitation." },
    { "Facilities", Office,
        { "I forgot my badge%1. How do I get in?", "How do I get a new access badge%1?",
            "My badge does not open the door%1", "How do I get access to a restricted area%1?" },
        "Reception issues a day pass after checking your photo ID. Lost badges are reported in the "
        "Workplace app, which "
        "disables the old badge at once; the replacement is ready the next working day. Restricted "
        "areas need the area "
        "owner's approval." },
    { "Facilities", Office,
        { "How do I register a visitor%1?", "How do I invite a guest to the office%1?",
            "Do visitors need to sign an NDA%1?", "Where do visitors park%1?" },
        "Register visitors in the Visitor app the day before; they receive a QR code by email and "
        "sign the visitor agreement "
        "on arrival. Hosts collect their visitors from reception and accompany them at all "
        "times." },
    { "Facilities", Office,
        { "How do I report a facilities problem%1?", "The air conditioning is not working%1",
            "How do I report a broken chair%1?", "Who fixes things in the office%1?" },
        "Report building issues in the Workplace app under 'Report an issue' with a photo and "
        "location; urgent issues such as "
        "leaks or power failures go to building security on extension 2222." },
    { "Facilities", Office,
        { "Where is the first aid kit%1?", "Who are the first aiders%1?",
            "What do I do in a fire alarm%1?", "Where is the assembly point%1?" },
        "First aid kits and defibrillators are next to each lift lobby, and the first aiders' "
        "names are on the notice boards. "
        "When the fire alarm sounds, leave by the nearest exit, do not use the lifts and go to the "
        "assembly point shown on "
        "the evacuation plan." },
    { "Facilities", Office,
        { "Is there a mothers' room%1?", "Where can I pray or meditate%1?",
            "Is there a quiet room%1?", "Are there showers in the office%1?" },
        "Every office has a lockable wellbeing room for nursing, prayer or rest, bookable in the "
        "Workplace app, and showers "
        "with lockers near the bike storage." },
    { "Facilities", Office,
        { "How do I get office supplies%1?", "Where can I find stationery%1?",
            "How do I order business cards%1?", "How do I send a parcel%1?" },
        "Stationery is in the print rooms on each floor. Business cards are ordered in the "
        "Procurement portal's catalogue and "
        "arrive in five working days. Parcels are handed in at the mail room with a cost centre." },
    { "Facilities", Office,
        { "Is there a cycle-to-work scheme%1?", "Where can I park my bike%1?",
            "Is there a public transport subsidy%1?", "Are there electric car chargers%1?" },
        "Secure bike storage is in every office's basement, and the cycle-to-work scheme spreads "
        "the cost of a bike over 12 "
        "months of salary. EV chargers are bookable with parking spaces in the Workplace app." },
};

const Context *contextsOf(ContextSet set, int *size)
{
    switch (set) {
    case Device:
        *size = int(std::size(kDeviceContexts));
        return kDeviceContexts;
    case People:
        *size = int(std::size(kPeopleContexts));
        return kPeopleContexts;
    case Office:
        *size = int(std::size(kOfficeContexts));
        return kOfficeContexts;
    case Money:
        *size = int(std::size(kMoneyContexts));
        return kMoneyContexts;
    }
    *size = 0;
    return nullptr;
}

// How people open a question to a chatbot; the answer is the same.
const char *const kOpenings[] = { "", "Hi, ", "Quick question: ", "Can you tell me: " };

const char *footer(const QString &category)
{
    if (category == QLatin1String("IT Support") || category == QLatin1String("Security"))
        return " Still stuck? Call the IT Service Desk on extension 4357 or open a ticket in the "
               "IT Help portal.";
    if (category == QLatin1String("HR") || category == QLatin1String("Payroll & Benefits"))
        return " For anything else, ask HR through the HR Portal's 'Ask HR' form.";
    if (category == QLatin1String("Facilities"))
        return " For anything else, contact facilities@contoso.example.";
    return " Questions? Contact finance-help@contoso.example.";
}

// SplitMix64: tiny, well-distributed, and the same everywhere, unlike std::*_distribution
// or QRandomGenerator, whose output is not promised across library versions.
quint64 splitmix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

QString capitalisedFirst(QString s)
{
    if (!s.isEmpty())
        s[0] = s.at(0).toUpper();
    return s;
}

} // namespace

QList<QJsonObject> generateKnowledgeBase(int count, quint32 seed)
{
    QList<QJsonObject> docs;
    if (count <= 0)
        return docs;
    docs.reserve(count);
    const int topics = int(std::size(kTopics));
    const int openings = int(std::size(kOpenings));
    const QDateTime epoch(QDate(2023, 1, 1), QTime(0, 0), Qt::UTC);
    for (int i = 0; i < count; ++i) {
        // Mixed radix over (topic, phrasing, context, opening), topic fastest, so any prefix
        // of the sequence covers every topic before it varies anything else.
        const Topic &topic = kTopics[i % topics];
        int contextCount = 0;
        const Context *contexts = contextsOf(topic.contexts, &contextCount);
        qint64 r = i / topics;
        const int phrasing = int(r % 4);
        r /= 4;
        const Context &context = contexts[r % contextCount];
        r /= contextCount;
        const char *opening = kOpenings[r % openings];

        QString question
            = QString::fromUtf8(topic.questions[phrasing]).arg(QString::fromUtf8(context.phrase));
        if (*opening) {
            // Lower the first letter after an opening, but not in "I" or an acronym ("VPN").
            if (question.size() > 1 && question.at(1).isLower())
                question[0] = question.at(0).toLower();
            question = QString::fromUtf8(opening) + question;
        }
        const QString category = QString::fromUtf8(topic.category);
        const QString answer = QString::fromUtf8(topic.answer) + QString::fromUtf8(context.note)
            + QString::fromUtf8(footer(category));

        const quint64 h = splitmix((quint64(seed) << 32) ^ quint64(i));
        const qint64 seconds = qint64(h % (900ULL * 86400ULL));
        const QDateTime updated = epoch.addSecs(seconds);

        QJsonObject doc;
        doc.insert(
            QStringLiteral("id"), QStringLiteral("faq-%1").arg(i + 1, 5, 10, QLatin1Char('0')));
        doc.insert(QStringLiteral("question"), capitalisedFirst(question));
        doc.insert(QStringLiteral("answer"), answer);
        doc.insert(QStringLiteral("category"), category);
        doc.insert(QStringLiteral("lastUpdated"),
            QString(updated.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QLatin1Char('Z')));
        docs << doc;
    }
    return docs;
}

QJsonObject knowledgeBaseIndexDefinition(const QString &name)
{
    const auto field = [](const char *fieldName, const char *type, bool key, bool searchable,
                           bool filterable, bool sortable, bool facetable) {
        return QJsonObject { { QStringLiteral("name"), QLatin1String(fieldName) },
            { QStringLiteral("type"), QLatin1String(type) }, { QStringLiteral("key"), key },
            { QStringLiteral("searchable"), searchable },
            { QStringLiteral("filterable"), filterable }, { QStringLiteral("sortable"), sortable },
            { QStringLiteral("facetable"), facetable }, { QStringLiteral("retrievable"), true } };
    };
    const QJsonArray fields {
        field("id", "Edm.String", true, false, true, true, false),
        field("question", "Edm.String", false, true, false, false, false),
        field("answer", "Edm.String", false, true, false, false, false),
        field("category", "Edm.String", false, false, true, true, true),
        field("lastUpdated", "Edm.DateTimeOffset", false, false, true, true, false),
    };
    const QJsonArray profiles { QJsonObject {
        { QStringLiteral("name"), QStringLiteral("questionFirst") },
        { QStringLiteral("text"),
            QJsonObject { { QStringLiteral("weights"),
                QJsonObject {
                    { QStringLiteral("question"), 3 }, { QStringLiteral("answer"), 1 } } } } } } };
    return QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("fields"), fields },
        { QStringLiteral("scoringProfiles"), profiles },
        { QStringLiteral("defaultScoringProfile"), QStringLiteral("questionFirst") } };
}

} // namespace drlab
